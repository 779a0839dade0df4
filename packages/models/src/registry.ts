import { ContainerModule } from 'inversify';
import { TOKENS, type Heed, type PluginName } from '@heed/core';
import type { ModuleOptions } from '@heed/layers';
import { ConfigError } from './errors.js';
import type { Model, ModelConfig } from './model.js';

/** How a model type makes itself available: its name and how to build it from a config. */
export interface ModelRegistration<C extends ModelConfig = ModelConfig> {
  /** The type name, as written in `config.json`'s `architectures[0]` (e.g. "Seq2Seq"). */
  readonly type: string;
  /**
   * Builds a freshly initialised model from a config (validate it and throw `ConfigError`
   * naming the field when it is wrong). `heed` gives access to plugins such as attention
   * scorers; `options` carries the engine and seed.
   */
  create(heed: Heed, config: C, options: ModuleOptions): Model;
}

/**
 * A ContainerModule registering model types by name, for `createHeed({ plugins })`. A
 * user's own model type registers the same way and then saves and loads like a built-in.
 */
export function modelTypes(...registrations: ModelRegistration<never>[]): ContainerModule {
  return new ContainerModule(({ bind }) => {
    for (const r of registrations) {
      bind<ModelRegistration<never>>(TOKENS.Model).toConstantValue(r).whenNamed(r.type);
      bind<PluginName>(TOKENS.PluginName).toConstantValue({ token: TOKENS.Model, name: r.type });
    }
  });
}

/** The type name a config asks for: `architectures[0]`, else `model_type`. */
export function configModelType(config: ModelConfig, where = 'config'): string {
  const arch = config.architectures;
  if (arch !== undefined && (!Array.isArray(arch) || arch.length === 0 || typeof arch[0] !== 'string')) {
    throw new ConfigError(`${where}: "architectures" must be a non-empty array of type names, got ${JSON.stringify(arch)}`);
  }
  const type = arch?.[0] ?? config.model_type;
  if (typeof type !== 'string' || type === '') throw new ConfigError(`${where}: names no model type (set "architectures": ["<type>"] or "model_type")`);
  return type;
}

/**
 * Builds a freshly initialised model of the type a config names, through the app's
 * registered model types. An unregistered type throws PluginNotFoundError listing the
 * registered ones.
 */
export function createModel<M extends Model = Model>(heed: Heed, config: ModelConfig, options: ModuleOptions = {}): M {
  const type = configModelType(config);
  const reg = heed.get<ModelRegistration>(TOKENS.Model, type, 'model type');
  return reg.create(heed, config, { engine: heed.engine, ...options }) as M;
}
