import { ArgumentError, ShapeError } from './errors.js';
import { add, div, minimum, mul, sqrt, sub } from './ops/elementwise.js';
import { full, zerosLike } from './ops/creation.js';
import { sum } from './ops/reduce.js';
import type { Tensor, Variable } from './tensor.js';

/**
 * Updates variables from their gradients. Lives in core (not in models) because every
 * layer of the stack, including the layers package's own learning tests, trains.
 */
export interface Optimizer {
  /** Applies one update; gradients stay owned by the caller. */
  step(grads: Map<Variable, Tensor>): void;
  /** Frees optimizer state (moments). */
  dispose(): void;
}

/** Stochastic gradient descent with optional momentum and weight decay. */
export class SGD implements Optimizer {
  private readonly velocity = new Map<Variable, Variable>();

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
          let vel = this.velocity.get(v);
          if (!vel) {
            vel = v.engine.makeVariable(zerosLike(v), `${v.name}/velocity`, false);
            this.velocity.set(v, vel);
          }
          const next = add(mul(vel, momentum), update);
          vel.assign(next);
          update = next;
        }
        v.assign(sub(v, mul(update, this.learningRate)));
      });
    }
  }

  dispose(): void {
    for (const t of this.velocity.values()) t.dispose();
    this.velocity.clear();
  }
}

/** Options of Adam. */
export interface AdamOptions {
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** Decoupled weight decay (AdamW) when > 0. */
  weightDecay?: number;
}

/** Adam (Kingma & Ba), and AdamW when `weightDecay` is set. The learning rate may be changed between steps (schedules). */
export class Adam implements Optimizer {
  private readonly m = new Map<Variable, Variable>();
  private readonly v = new Map<Variable, Variable>();
  private t = 0;

  constructor(
    public learningRate = 1e-3,
    readonly options: AdamOptions = {},
  ) {
    if (!(learningRate > 0)) throw new ArgumentError(`Adam: learningRate must be > 0, got ${learningRate}`);
  }

  /** Steps taken so far. */
  get iterations(): number {
    return this.t;
  }

  step(grads: Map<Variable, Tensor>): void {
    const b1 = this.options.beta1 ?? 0.9;
    const b2 = this.options.beta2 ?? 0.999;
    const eps = this.options.epsilon ?? 1e-8;
    const wd = this.options.weightDecay ?? 0;
    this.t++;
    const c1 = 1 - b1 ** this.t;
    const c2 = 1 - b2 ** this.t;
    for (const [p, g] of grads) {
      checkGrad('Adam', p, g);
      const m = this.state(this.m, p, 'm');
      const v = this.state(this.v, p, 'v');
      const e = p.engine;
      const distinct = new Set([p.dataId, m.dataId, v.dataId, g.dataId]).size === 4;
      const inPlace = distinct && e.ownsStorageAlone(p) && e.ownsStorageAlone(m) && e.ownsStorageAlone(v);
      const args = { lr: this.learningRate, beta1: b1, beta2: b2, epsilon: eps, c1, c2, weightDecay: wd, inPlace };
      const be = p.engine.backend;
      if (be.adamStep) {
        // One fused pass; the engine only wraps the storage it returns.
        const [p2, m2, v2] = p.engine.run({ name: 'adamStep', inputs: [p, g, m, v], forward: (b) => b.adamStep!(p, g, m, v, args) }) as [Tensor, Tensor, Tensor];
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

  private state(map: Map<Variable, Variable>, p: Variable, suffix: string): Variable {
    let s = map.get(p);
    if (!s) {
      const z = zerosLike(p);
      s = p.engine.makeVariable(z, `${p.name}/${suffix}`, false);
      z.dispose();
      map.set(p, s);
    }
    return s;
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
    this.m.clear();
    this.v.clear();
  }
}

function checkGrad(op: string, v: Variable, g: Tensor): void {
  if (g.shape.length !== v.shape.length || g.shape.some((d, i) => d !== v.shape[i])) {
    throw new ShapeError(`${op}: gradient for "${v.name}" has shape [${g.shape.join(',')}], the variable [${v.shape.join(',')}]`);
  }
}

/**
 * Scales gradients so that their global L2 norm is at most `maxNorm` (gradient clipping
 * for RNNs). Works without reading data back (the scale stays on the device). Returns new
 * gradient tensors and the norm before clipping (a scalar tensor); disposes the inputs.
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
  // Dispose after all products exist: two entries may share one tensor.
  for (const g of new Set(grads.values())) g.dispose();
  scale.dispose();
  return { grads: out, norm };
}
