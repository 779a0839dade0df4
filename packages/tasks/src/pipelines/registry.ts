/**
 * Tasks as plugins: a `TaskRegistration` names a task, the model architectures it runs and
 * how to build its pipeline. `taskTypes(...)` binds registrations under core's
 * `TOKENS.Pipeline` by task name, so built-in tasks and a user's own tasks (in the user's
 * own ContainerModule) are found the same way.
 */
import { ContainerModule } from 'inversify';
import { TOKENS, type Heed, type PluginName } from '@heed/core';
import { configModelType, type ModelConfig } from '@heed/models';
import { TaskModelMismatchError, VocabSizeMismatchError } from '../errors.js';
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

/** The files (or names) of the tokenizers in messages of {@link checkTokenizerVocab}. */
export interface TokenizerFiles {
  tokenizer: string;
  targetTokenizer: string;
}

/** The first numeric field of `fields` in a config: [field, value]. */
function sizeField(config: ModelConfig, fields: readonly string[]): [string, number] | undefined {
  for (const f of fields) {
    const v = config[f];
    if (typeof v === 'number') return [f, v];
  }
  return undefined;
}

/**
 * Throws {@link VocabSizeMismatchError} when a tokenizer has more ids than the model's
 * embeddings: the (source) tokenizer against `src_vocab_size`, else `vocab_size`; the target
 * tokenizer against `tgt_vocab_size`, else `vocab_size`. A smaller tokenizer is fine (unused
 * rows), and a config with neither field (a user's model type) is not checked.
 */
export function checkTokenizerVocab(
  config: ModelConfig,
  tokenizers: Pick<PipelineParts, 'tokenizer' | 'targetTokenizer'>,
  source = 'config',
  files: TokenizerFiles = { tokenizer: 'PipelineParts.tokenizer', targetTokenizer: 'PipelineParts.targetTokenizer' },
): void {
  const check = (tok: PipelineParts['tokenizer'] | undefined, file: string, fields: readonly string[]): void => {
    const f = tok && sizeField(config, fields);
    if (!tok || !f) return;
    const n = tok.getVocabSize();
    if (n > f[1]) throw new VocabSizeMismatchError(source, file, n, f[0], f[1]);
  };
  check(tokenizers.tokenizer, files.tokenizer, ['src_vocab_size', 'vocab_size']);
  check(tokenizers.targetTokenizer, files.targetTokenizer, ['tgt_vocab_size', 'vocab_size']);
}

/**
 * Builds the pipeline of `task` from loaded parts (browser-safe; `pipeline()` in
 * `@heed/tasks/node` loads them from a model directory). Checks that the model fits the task
 * and that no tokenizer outgrows the model's vocabulary.
 */
export function createPipeline<P extends AnyPipeline = AnyPipeline>(
  heed: Heed,
  task: string,
  parts: PipelineParts,
  options: PipelineOptions = {},
): P {
  const reg = taskRegistration(heed, task);
  checkTaskModel(reg, parts.config, parts.source);
  checkTokenizerVocab(parts.config, parts, parts.source);
  return reg.create(heed, parts, options) as P;
}
