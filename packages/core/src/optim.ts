/**
 * Optimizers and gradient clipping.
 *
 * Ownership rule (the same as for ops): these functions and methods never dispose the
 * tensors they are given, and whatever they return belongs to the caller. `Optimizer.step`
 * reads the gradients and leaves them to the caller; `clipGradNorm` returns new gradient
 * tensors and a norm, and the caller disposes both those and the inputs (a `tidy` around
 * the training step does all of it). The one exception is `stateDict()`, which, like a
 * module's `stateDict()`, returns the optimizer's own state variables: read them, do not
 * dispose them.
 */
import { ArgumentError, CheckpointError, ShapeError } from './errors.js';
import { add, div, minimum, mul, sqrt, sub } from './ops/elementwise.js';
import { full, zerosLike } from './ops/creation.js';
import { sum } from './ops/reduce.js';
import type { Tensor, Variable } from './tensor.js';

/**
 * An optimizer's state for checkpoints: JSON-serialisable `meta` (the optimizer type and
 * its counters) and per-parameter tensors keyed `${parameterName}/${slot}`.
 */
export interface OptimizerState {
  /** `type` names the optimizer ('adam', 'sgd'); the rest are counters such as `step`. */
  readonly meta: { readonly type: string; readonly [key: string]: number | string | boolean };
  /** State tensors (moments, velocities) by `${parameterName}/${slot}`. */
  readonly tensors: ReadonlyMap<string, Tensor>;
}

/**
 * Updates variables from their gradients. Lives in core (not in models) because every
 * layer of the stack, including the layers package's own learning tests, trains.
 */
export interface Optimizer {
  /** The step size; schedules set it before each step. */
  learningRate: number;
  /** Applies one update; the gradients stay owned by the caller. */
  step(grads: Map<Variable, Tensor>): void;
  /**
   * The state to checkpoint, keyed by the names given in `named` (a module's
   * `namedParameters()`: variables only know their local names). Its tensors are the
   * optimizer's own (do not dispose them). State of a variable missing from `named`
   * throws `ArgumentError`.
   */
  stateDict(named: Iterable<readonly [string, Variable]>): OptimizerState;
  /**
   * Restores state written by `stateDict()` (values are copied; `state` stays the caller's),
   * matching keys to `named` parameters. Everything is checked before anything changes: a
   * wrong optimizer type, a key naming no parameter, or a wrong shape throws
   * `CheckpointError` naming it.
   */
  loadStateDict(state: OptimizerState, named: Iterable<readonly [string, Variable]>): void;
  /** Frees optimizer state (moments). */
  dispose(): void;
}

/** Per-parameter state slots (moments, velocity) keyed by variable, shared by SGD and Adam. */
class Slots {
  private readonly maps = new Map<string, Map<Variable, Variable>>();

  constructor(readonly slots: readonly string[]) {
    for (const s of slots) this.maps.set(s, new Map());
  }

  get(slot: string, p: Variable): Variable {
    const map = this.maps.get(slot)!;
    let s = map.get(p);
    if (!s) {
      const z = zerosLike(p);
      s = p.engine.makeVariable(z, `${p.name}/${slot}`, false);
      z.dispose();
      map.set(p, s);
    }
    return s;
  }

  tensors(op: string, named: Iterable<readonly [string, Variable]>): Map<string, Tensor> {
    const names = new Map<Variable, string>();
    for (const [n, p] of named) names.set(p, n);
    const out = new Map<string, Tensor>();
    for (const [slot, map] of this.maps) {
      for (const [p, s] of map) {
        const n = names.get(p);
        if (n === undefined) {
          const what = `a variable "${p.name}" [${p.shape.join(',')}]`;
          throw new ArgumentError(`${op}: the optimizer has state for ${what} that is not among the named parameters`);
        }
        out.set(`${n}/${slot}`, s);
      }
    }
    return out;
  }

  load(op: string, type: string, state: OptimizerState, named: Iterable<readonly [string, Variable]>): void {
    expectType(op, type, state);
    const byName = new Map<string, Variable>(named);
    const plan: [string, Variable, Tensor][] = [];
    const unknown: string[] = [];
    for (const [key, t] of state.tensors) {
      const cut = key.lastIndexOf('/');
      const slot = key.slice(cut + 1);
      const p = cut > 0 && this.maps.has(slot) ? byName.get(key.slice(0, cut)) : undefined;
      if (!p) {
        unknown.push(key);
        continue;
      }
      if (t.shape.length !== p.shape.length || t.shape.some((d, i) => d !== p.shape[i]) || t.dtype !== p.dtype) {
        throw new CheckpointError(`${op}: state "${key}" is ${t.dtype} [${t.shape.join(',')}], its parameter is ${p.dtype} [${p.shape.join(',')}]`);
      }
      plan.push([slot, p, t]);
    }
    if (unknown.length > 0) {
      const keys = `${unknown.slice(0, 8).join(', ')}${unknown.length > 8 ? ', …' : ''}`;
      throw new CheckpointError(`${op}: state keys match no parameter or slot (${this.slots.join(', ')}): ${keys}`);
    }
    this.dispose();
    for (const [slot, p, t] of plan) this.get(slot, p).assign(t);
  }

  dispose(): void {
    for (const map of this.maps.values()) {
      for (const s of map.values()) s.dispose();
      map.clear();
    }
  }
}

function expectType(op: string, type: string, state: OptimizerState): void {
  if (state.meta.type !== type) {
    throw new CheckpointError(`${op}: the state was written by a '${String(state.meta.type)}' optimizer, this is '${type}'`);
  }
}

function counter(op: string, state: OptimizerState, key: string): number {
  const v = state.meta[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new CheckpointError(`${op}: state meta.${key} must be a count, got ${String(v)}`);
  return v;
}

/** Stochastic gradient descent with optional momentum and (L2, coupled) weight decay. */
export class SGD implements Optimizer {
  private readonly slots = new Slots(['velocity']);

  constructor(
    public learningRate: number,
    readonly options: { momentum?: number; weightDecay?: number } = {},
  ) {
    if (!(learningRate > 0)) throw new ArgumentError(`SGD: learningRate must be > 0, got ${learningRate}`);
  }

  step(grads: Map<Variable, Tensor>): void {
    const momentum = this.options.momentum ?? 0;
    const wd = this.options.weightDecay ?? 0;
    for (const [v, g] of grads) {
      checkGrad('SGD', v, g);
      v.engine.tidy(() => {
        let update = wd ? add(g, mul(v, wd)) : g;
        if (momentum) {
          const vel = this.slots.get('velocity', v);
          const next = add(mul(vel, momentum), update);
          vel.assign(next);
          update = next;
        }
        v.assign(sub(v, mul(update, this.learningRate)));
      });
    }
  }

  stateDict(named: Iterable<readonly [string, Variable]>): OptimizerState {
    return { meta: { type: 'sgd' }, tensors: this.slots.tensors('SGD.stateDict', named) };
  }

  loadStateDict(state: OptimizerState, named: Iterable<readonly [string, Variable]>): void {
    this.slots.load('SGD.loadStateDict', 'sgd', state, named);
  }

  dispose(): void {
    this.slots.dispose();
  }
}

/**
 * The default weight-decay rule of Adam/AdamW: decay parameters of rank ≥ 2 (weight
 * matrices, embeddings, convolution kernels) and leave rank-0/1 ones alone, which covers
 * every bias and every LayerNorm gain and shift whatever they are named.
 */
export function decaysByDefault(p: Variable): boolean {
  return p.rank >= 2;
}

/** Options of Adam. */
export interface AdamOptions {
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** Decoupled weight decay (AdamW) when > 0. */
  weightDecay?: number;
  /** Which parameters weight decay applies to (default `decaysByDefault`: rank ≥ 2, so no biases or LayerNorm parameters). */
  decay?: (p: Variable) => boolean;
}

/** Adam (Kingma & Ba), and AdamW when `weightDecay` is set. The learning rate may be changed between steps (schedules). */
export class Adam implements Optimizer {
  private readonly slots = new Slots(['m', 'v']);
  private t = 0;

  constructor(
    public learningRate = 1e-3,
    readonly options: AdamOptions = {},
  ) {
    if (!(learningRate > 0)) throw new ArgumentError(`Adam: learningRate must be > 0, got ${learningRate}`);
    const wd = options.weightDecay ?? 0;
    if (!(wd >= 0)) throw new ArgumentError(`Adam: weightDecay must be >= 0, got ${wd}`);
  }

  /** Steps taken so far. */
  get iterations(): number {
    return this.t;
  }

  step(grads: Map<Variable, Tensor>): void {
    const b1 = this.options.beta1 ?? 0.9;
    const b2 = this.options.beta2 ?? 0.999;
    const eps = this.options.epsilon ?? 1e-8;
    const decay = this.options.decay ?? decaysByDefault;
    this.t++;
    const c1 = 1 - b1 ** this.t;
    const c2 = 1 - b2 ** this.t;
    for (const [p, g] of grads) {
      checkGrad('Adam', p, g);
      const wd = this.options.weightDecay && decay(p) ? this.options.weightDecay : 0;
      const m = this.slots.get('m', p);
      const v = this.slots.get('v', p);
      const e = p.engine;
      const distinct = new Set([p.dataId, m.dataId, v.dataId, g.dataId]).size === 4;
      const inPlace = distinct && e.ownsStorageAlone(p) && e.ownsStorageAlone(m) && e.ownsStorageAlone(v);
      const args = { lr: this.learningRate, beta1: b1, beta2: b2, epsilon: eps, c1, c2, weightDecay: wd, inPlace };
      const be = p.engine.backend;
      if (be.adamStep) {
        // One fused pass; the engine only wraps the storage it returns.
        const spec = { name: 'adamStep', inputs: [p, g, m, v], forward: (b: typeof be) => b.adamStep!(p, g, m, v, args) };
        const [p2, m2, v2] = p.engine.run(spec) as [Tensor, Tensor, Tensor];
        for (const [dst, src] of [[p, p2], [m, m2], [v, v2]] as const) {
          dst.assign(src);
          src.dispose();
        }
        continue;
      }
      p.engine.tidy(() => {
        m.assign(add(mul(m, b1), mul(g, 1 - b1)));
        v.assign(add(mul(v, b2), mul(mul(g, g), 1 - b2)));
        const update = div(div(m, c1), add(sqrt(div(v, c2)), eps));
        let next = sub(p, mul(update, this.learningRate));
        if (wd) next = sub(next, mul(p, this.learningRate * wd));
        p.assign(next);
      });
    }
  }

  stateDict(named: Iterable<readonly [string, Variable]>): OptimizerState {
    return { meta: { type: 'adam', step: this.t }, tensors: this.slots.tensors('Adam.stateDict', named) };
  }

  loadStateDict(state: OptimizerState, named: Iterable<readonly [string, Variable]>): void {
    expectType('Adam.loadStateDict', 'adam', state);
    const t = counter('Adam.loadStateDict', state, 'step');
    this.slots.load('Adam.loadStateDict', 'adam', state, named);
    this.t = t;
  }

  dispose(): void {
    this.slots.dispose();
  }
}

/**
 * AdamW (Loshchilov & Hutter): Adam with decoupled weight decay, 0.01 by default as in
 * PyTorch, applied only where `options.decay` says (default: rank ≥ 2, so biases and
 * LayerNorm parameters are not decayed).
 */
export class AdamW extends Adam {
  constructor(learningRate = 1e-3, options: AdamOptions = {}) {
    super(learningRate, { ...options, weightDecay: options.weightDecay ?? 0.01 });
  }
}

function checkGrad(op: string, v: Variable, g: Tensor): void {
  if (g.shape.length !== v.shape.length || g.shape.some((d, i) => d !== v.shape[i])) {
    throw new ShapeError(`${op}: gradient for "${v.name}" has shape [${g.shape.join(',')}], the variable [${v.shape.join(',')}]`);
  }
}

/**
 * Scales gradients so that their global L2 norm is at most `maxNorm`. Works without
 * reading data back (the scale stays on the device). Returns new gradient tensors and the
 * norm before clipping (a scalar tensor), all owned by the caller; the input gradients are
 * left alone (the caller still owns and disposes them).
 */
export function clipGradNorm(grads: Map<Variable, Tensor>, maxNorm: number): { grads: Map<Variable, Tensor>; norm: Tensor } {
  if (!(maxNorm > 0)) throw new ArgumentError(`clipGradNorm: maxNorm must be > 0, got ${maxNorm}`);
  const list = [...grads.values()];
  if (list.length === 0) throw new ArgumentError('clipGradNorm: no gradients given');
  const engine = list[0]!.engine;
  const norm = engine.tidy(() => sqrt(list.reduce<Tensor>((acc, g) => add(acc, sum(mul(g, g))), full([], 0, 'float32', { engine }))));
  const scale = engine.tidy(() => minimum(div(maxNorm, add(norm, 1e-6)), 1));
  const out = new Map<Variable, Tensor>();
  for (const [v, g] of grads) out.set(v, mul(g, scale));
  scale.dispose();
  return { grads: out, norm };
}
