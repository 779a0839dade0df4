import type { Backend } from './backend.js';

/**
 * Service identifiers shared by every Heed package. A package (or a user's app) binds
 * its implementations to these in a ContainerModule; `createHeed` composes them.
 */
export const TOKENS = {
  /** `BackendRegistration`s: compute backends, chosen by name or priority. */
  Backend: Symbol.for('heed.Backend'),
  /** The `Engine` of the composed app (bound by `createHeed`). */
  Engine: Symbol.for('heed.Engine'),
  /** `PluginName` records: which names are registered under which token. */
  PluginName: Symbol.for('heed.PluginName'),
  /** Attention scoring functions (bound by name). */
  AttentionScore: Symbol.for('heed.AttentionScore'),
  /** Model types (`ModelRegistration`s from @heed/models, bound by type name). */
  Model: Symbol.for('heed.Model'),
  /** Task pipelines (bound by task name). */
  Pipeline: Symbol.for('heed.Pipeline'),
} as const;

/** How a backend makes itself available: a name, a priority, and an async factory. */
export interface BackendRegistration {
  /** Name users select it by, e.g. "cpu" or "webgpu". */
  readonly name: string;
  /** Higher wins when the app does not name a backend. */
  readonly priority: number;
  /** Creates and initialises the backend; throws (or rejects) when it cannot run here. */
  create(): Backend | Promise<Backend>;
}

/** A record that `name` is bound under `token` (see `bindNamed`). */
export interface PluginName {
  readonly token: symbol;
  readonly name: string;
}
