/**
 * Tasks as plugins: a `TaskRegistration` names a task, the model architectures it runs and
 * how to build its pipeline. `taskTypes(...)` binds registrations under core's
 * `TOKENS.Pipeline` by task name, so built-in tasks and a user's own tasks (in the user's
 * own ContainerModule) are found the same way.
 */
import { ContainerModule } from 'inversify';
import { TOKENS, type Heed, type PluginName } from '@heed/core';
import { configModelType, type ModelConfig } from '@heed/models';
import { TaskModelMismatchError } from '../errors.js';
import type { AnyPipeline, PipelineOptions, PipelineParts } from './pipeline.js';

/** How a task makes itself available. */
export interface TaskRegistration<P extends AnyPipeline = AnyPipeline> {
  /** The task name, e.g. `text-classification`. */
  readonly task: string;
  /**
   * The model architectures (registered type names) the task runs: exact names or
   * patterns (e.g. `/ForSequenceClassification$/`). A config may also list the task in
   * its own `"tasks"` array (for model types named otherwise).
   */
  readonly architectures: readonly (string | RegExp)[];
  /** Builds the pipeline from loaded parts. */
  create(heed: Heed, parts: PipelineParts, options: PipelineOptions): P;
}

/** A ContainerModule registering tasks by name under `TOKENS.Pipeline`. */
export function taskTypes(...registrations: TaskRegistration[]): ContainerModule {
  return new ContainerModule(({ bind }) => {
    for (const r of registrations) {
      bind<TaskRegistration>(TOKENS.Pipeline).toConstantValue(r).whenNamed(r.task);
      bind<PluginName>(TOKENS.PluginName).toConstantValue({ token: TOKENS.Pipeline, name: r.task });
    }
  });
}

/** The registration of `task`; PluginNotFoundError lists the registered tasks otherwise. */
export function taskRegistration(heed: Heed, task: string): TaskRegistration {
  return heed.get<TaskRegistration>(TOKENS.Pipeline, task, 'task');
}

/**
 * Throws {@link TaskModelMismatchError} unless the model a config describes can run the
 * task: its architecture matches the registration, or its `"tasks"` lists the task.
 */
export function checkTaskModel(registration: TaskRegistration, config: ModelConfig, source = 'config'): void {
  const arch = configModelType(config, source);
  const tasks = config.tasks;
  if (Array.isArray(tasks) && tasks.includes(registration.task)) return;
  const ok = registration.architectures.some((a) => (typeof a === 'string' ? a === arch : a.test(arch)));
  if (!ok) {
    const wants = registration.architectures.map((a) => (typeof a === 'string' ? a : String(a))).join(', ');
    throw new TaskModelMismatchError(
      registration.task,
      arch,
      `${source} holds a model for another task (this task runs ${wants}, or a config listing it in "tasks")`,
    );
  }
}

/**
 * Builds the pipeline of `task` from loaded parts (browser-safe; `pipeline()` in
 * `@heed/tasks/node` loads them from a model directory). Checks that the model fits the task.
 */
export function createPipeline<P extends AnyPipeline = AnyPipeline>(
  heed: Heed,
  task: string,
  parts: PipelineParts,
  options: PipelineOptions = {},
): P {
  const reg = taskRegistration(heed, task);
  checkTaskModel(reg, parts.config, parts.source);
  return reg.create(heed, parts, options) as P;
}
