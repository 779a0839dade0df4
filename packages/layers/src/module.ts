import {
  ArgumentError,
  CheckpointError,
  Rng,
  Tensor,
  full,
  getEngine,
  randomNormal,
  randomUniform,
  variable,
  zeros,
  type Engine,
  type Shape,
  type Variable,
} from '@heed/core';

/** Options shared by every layer's constructor: where parameters live and how they are seeded. */
export interface ModuleOptions {
  /** Generator for parameter initialisation (shared across layers for reproducible models). */
  rng?: Rng;
  /** Seed for a fresh generator when no `rng` is given (default 0). */
  seed?: number;
  /** Engine to create parameters on (default: the active one, set by `createHeed`). */
  engine?: Engine;
}

/** One mis-shaped entry found by `loadStateDict`. */
export interface ShapeMismatch {
  readonly key: string;
  readonly expected: readonly number[];
  readonly got: readonly number[];
  /** Set when the dtypes differ (the parameter's dtype, then the given one). */
  readonly dtypes?: readonly [string, string];
}

/** One state-dict value that is not a usable tensor (not a Tensor, disposed, or of another engine). */
export interface InvalidEntry {
  readonly key: string;
  /** Why the value cannot be loaded. */
  readonly reason: string;
}

/**
 * A state dict did not match the module: the keys it lacks, the keys the module does
 * not have, the keys whose shapes differ, and values that are not usable tensors. The
 * message names the module and every key.
 */
export class StateDictError extends CheckpointError {
  constructor(
    /** The module's class name. */
    readonly layer: string,
    /** Parameter names the state dict does not have. */
    readonly missing: readonly string[],
    /** State-dict keys the module has no parameter for. */
    readonly unexpected: readonly string[],
    /** Keys present on both sides with different shapes. */
    readonly mismatched: readonly ShapeMismatch[],
    /** Values that are not live tensors of the module's engine. */
    readonly invalid: readonly InvalidEntry[] = [],
  ) {
    const parts: string[] = [];
    if (invalid.length) parts.push(`unusable values: ${invalid.map((e) => `${e.key} (${e.reason})`).join('; ')}`);
    if (missing.length) parts.push(`missing keys: ${missing.join(', ')}`);
    if (unexpected.length) parts.push(`unexpected keys: ${unexpected.join(', ')}`);
    if (mismatched.length) {
      parts.push(`shape mismatches: ${mismatched.map((m) => `${m.key} expects ${m.dtypes ? `${m.dtypes[0]} ` : ''}[${m.expected.join(',')}], got ${m.dtypes ? `${m.dtypes[1]} ` : ''}[${m.got.join(',')}]`).join('; ')}`);
    }
    super(`${layer}.loadStateDict: ${parts.join('; ')}`);
  }
}

/** A state dict: parameter tensors by dotted name. */
export type StateDict = Map<string, Tensor> | Readonly<Record<string, Tensor>>;

const NAME_RE = /^[A-Za-z0-9_]+$/;

/** A short description of a value for error messages (never its whole contents). */
function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (typeof v === 'object') return `an object (${(v as object).constructor?.name ?? 'no prototype'})`;
  if (typeof v === 'string') return `a string of length ${v.length}`;
  return `${typeof v} ${String(v)}`;
}

/**
 * Base class of every layer: a tree of named parameters (`Variable`s) and child modules.
 * A parameter's full name is the dotted path from the root (`encoder.layers.0.selfAttn.wq.weight`),
 * stable across runs, so `stateDict()` maps one-to-one to safetensors keys.
 *
 * Subclasses create parameters with `param()` / `paramNormal()` … and children with `child()`
 * in their constructor, in a fixed order; each defines its own `forward(...)`.
 */
export abstract class Module {
  private readonly params = new Map<string, Variable>();
  private readonly children = new Map<string, Module>();
  private readonly owned = new Set<Tensor>();
  private isTraining = true;
  private disposed = false;
  /** Engine the parameters live on. */
  readonly engine: Engine;
  /** Generator used to initialise parameters (shared with children built from the same options). */
  readonly rng: Rng;

  constructor(options: ModuleOptions = {}) {
    this.engine = options.engine ?? getEngine();
    this.rng = options.rng ?? new Rng(options.seed ?? 0);
  }

  /** The layer's name in error messages (its class name). */
  get layerName(): string {
    return this.constructor.name;
  }

  /** Options to pass to children so they share this module's engine and generator. */
  protected get childOptions(): ModuleOptions {
    return { engine: this.engine, rng: this.rng };
  }

  // ---- building the tree ---------------------------------------------------------------------

  /** Registers a parameter initialised from `init` (copied by reference; `init` stays the caller's). */
  protected param(name: string, init: Tensor, trainable = true): Variable {
    this.checkName(name);
    if (this.params.has(name) || this.children.has(name)) throw new ArgumentError(`${this.layerName}: "${name}" is registered twice`);
    const v = variable(init, name, trainable);
    this.params.set(name, v);
    return v;
  }

  /** A parameter drawn from N(0, std²). */
  protected paramNormal(name: string, shape: Shape, std: number): Variable {
    return this.fromTemp(name, randomNormal(shape, 0, std, { rng: this.rng, engine: this.engine }));
  }

  /** A parameter drawn uniformly from [−bound, bound). */
  protected paramUniform(name: string, shape: Shape, bound: number): Variable {
    return this.fromTemp(name, randomUniform(shape, -bound, bound, { rng: this.rng, engine: this.engine }));
  }

  /** A zero-initialised parameter. */
  protected paramZeros(name: string, shape: Shape): Variable {
    return this.fromTemp(name, zeros(shape, 'float32', { engine: this.engine }));
  }

  /** A parameter filled with `value`. */
  protected paramFull(name: string, shape: Shape, value: number): Variable {
    return this.fromTemp(name, full(shape, value, 'float32', { engine: this.engine }));
  }

  private fromTemp(name: string, t: Tensor): Variable {
    try {
      return this.param(name, t);
    } finally {
      t.dispose();
    }
  }

  /** Registers a child module under `name` and returns it. */
  protected child<M extends Module>(name: string, module: M): M {
    this.checkName(name);
    if (this.params.has(name) || this.children.has(name)) throw new ArgumentError(`${this.layerName}: "${name}" is registered twice`);
    module.train(this.isTraining);
    this.children.set(name, module);
    return module;
  }

  /** Keeps a non-parameter tensor (a constant table) alive until `dispose()`. */
  protected own<T extends Tensor>(t: T): T {
    this.engine.keep(t);
    this.owned.add(t);
    return t;
  }

  private checkName(name: string): void {
    if (!NAME_RE.test(name)) throw new ArgumentError(`${this.layerName}: parameter/child name "${name}" must match ${NAME_RE} (dots separate levels)`);
  }

  // ---- walking the tree ----------------------------------------------------------------------

  /** Every parameter with its full dotted name, depth-first in registration order. */
  namedParameters(prefix = ''): [string, Variable][] {
    const out: [string, Variable][] = [];
    for (const [n, p] of this.params) out.push([prefix + n, p]);
    for (const [n, c] of this.children) out.push(...c.namedParameters(`${prefix}${n}.`));
    return out;
  }

  /** Every parameter (trainable or not). */
  parameters(): Variable[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** The trainable parameters, for optimizers and `variableGrads`. */
  trainableParameters(): Variable[] {
    return this.parameters().filter((p) => p.trainable);
  }

  /** Direct children with their names. */
  namedChildren(): [string, Module][] {
    return [...this.children];
  }

  /** Number of parameter elements (all, or trainable only). */
  parameterCount(options: { trainableOnly?: boolean } = {}): number {
    return this.parameters()
      .filter((p) => !options.trainableOnly || p.trainable)
      .reduce((n, p) => n + p.size, 0);
  }

  /** Sets `trainable` on every parameter (freeze/unfreeze). */
  setTrainable(trainable: boolean): this {
    for (const p of this.parameters()) p.trainable = trainable;
    return this;
  }

  // ---- mode ------------------------------------------------------------------------------------

  /** True in training mode (dropout active). */
  get training(): boolean {
    return this.isTraining;
  }

  /** Sets training mode on this module and every descendant. */
  train(mode = true): this {
    this.isTraining = mode;
    for (const c of this.children.values()) c.train(mode);
    return this;
  }

  /** Evaluation mode (dropout off). */
  eval(): this {
    return this.train(false);
  }

  // ---- state dict ----------------------------------------------------------------------------

  /**
   * The parameters by full dotted name. The tensors are the module's own variables (not
   * copies): pass them to `tensorsToSafetensors`/`saveTensors`, do not dispose them.
   */
  stateDict(): Map<string, Variable> {
    return new Map(this.namedParameters());
  }

  /**
   * Assigns every parameter from `state` (values are copied by reference to storage; the
   * caller keeps ownership of `state`). With `strict` (default) the key sets must be equal;
   * shapes must always match. Nothing is assigned when a check fails: a StateDictError
   * lists the missing, unexpected and mis-shaped keys.
   */
  loadStateDict(state: StateDict, options: { strict?: boolean } = {}): void {
    const strict = options.strict ?? true;
    if (state === null || typeof state !== 'object' || Array.isArray(state)) {
      throw new CheckpointError(`${this.layerName}.loadStateDict: the state dict must be a Map or an object of tensors by name, got ${describeValue(state)}`);
    }
    const entries: Map<string, unknown> = state instanceof Map ? new Map(state) : new Map(Object.entries(state));
    const own = this.stateDict();
    // Every value is checked before anything is assigned: a failure leaves the module untouched.
    const invalid: InvalidEntry[] = [];
    for (const [k, t] of entries) {
      if (!own.has(k) && !strict) continue;
      if (!(t instanceof Tensor)) invalid.push({ key: k, reason: `not a Tensor: ${describeValue(t)}` });
      else if (t.isDisposed) invalid.push({ key: k, reason: 'the tensor was disposed' });
      else if (t.engine !== this.engine) invalid.push({ key: k, reason: "the tensor belongs to another Heed app's engine" });
    }
    const tensors = new Map<string, Tensor>();
    for (const [k, t] of entries) if (t instanceof Tensor) tensors.set(k, t);
    const missing = [...own.keys()].filter((k) => !entries.has(k));
    const unexpected = [...entries.keys()].filter((k) => !own.has(k));
    const mismatched: ShapeMismatch[] = [];
    for (const [k, p] of own) {
      const t = tensors.get(k);
      if (t && (t.shape.length !== p.shape.length || t.shape.some((d, i) => d !== p.shape[i]) || t.dtype !== p.dtype)) {
        mismatched.push({ key: k, expected: [...p.shape], got: [...t.shape], ...(t.dtype !== p.dtype && { dtypes: [p.dtype, t.dtype] as const }) });
      }
    }
    if (invalid.length || mismatched.length || (strict && (missing.length || unexpected.length))) {
      throw new StateDictError(this.layerName, strict ? missing : [], strict ? unexpected : [], mismatched, invalid);
    }
    for (const [k, p] of own) {
      const t = tensors.get(k);
      if (t) p.assign(t);
    }
  }

  /** Frees every parameter and owned tensor of the tree. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const p of this.params.values()) p.dispose();
    for (const t of this.owned) t.dispose();
    for (const c of this.children.values()) c.dispose();
  }
}

/** An ordered list of child modules named `0`, `1`, … (`layers.0.…`). */
export class ModuleList<M extends Module = Module> extends Module {
  readonly items: readonly M[];

  constructor(items: readonly M[], options: ModuleOptions = {}) {
    super({ engine: items[0]?.engine, ...options });
    items.forEach((m, i) => this.child(String(i), m));
    this.items = [...items];
  }

  /** Number of modules. */
  get length(): number {
    return this.items.length;
  }

  /** The module at `i`. */
  at(i: number): M {
    const m = this.items[i];
    if (!m) throw new ArgumentError(`ModuleList: index ${i} out of range [0, ${this.items.length})`);
    return m;
  }
}
