import type { Engine } from './engine.js';
import { getEngine } from './engine.js';
import { ArgumentError, GradientError } from './errors.js';
import type { Tape } from './tape.js';
import { Tensor, tensorIdMark, type Variable } from './tensor.js';
import { add } from './ops/elementwise.js';
import { full, zerosLike } from './ops/creation.js';
import { reshape } from './ops/reshape.js';

/**
 * Reverse-mode differentiation of the tape recorded while `value` was computed.
 * Returns d(value·dy)/d(source) for every source (zeros where a source does not
 * influence the value). Runs without recording, inside a scope that frees every
 * intermediate gradient.
 */
function backprop(engine: Engine, tape: Tape, value: Tensor, dy: Tensor | undefined, sources: readonly Tensor[]): Tensor[] {
  return engine.noGrad(() =>
    engine.tidy(() => {
      const grads = new Map<number, Tensor>();
      // How many entries of `grads` hold each tensor (a rule may pass one tensor to several
      // inputs), so a gradient is freed as soon as no entry needs it: peak memory then
      // tracks the live frontier of the backward pass, not the whole tape.
      const holders = new Map<Tensor, number>();
      const protectedGrads = new Set<Tensor>(dy ? [dy] : []);
      const hold = (id: number, g: Tensor): void => {
        grads.set(id, g);
        holders.set(g, (holders.get(g) ?? 0) + 1);
      };
      const release = (id: number): void => {
        const g = grads.get(id);
        if (!g) return;
        grads.delete(id);
        const left = holders.get(g)! - 1;
        if (left > 0) holders.set(g, left);
        else {
          holders.delete(g);
          if (!protectedGrads.has(g)) g.dispose();
        }
      };
      hold(value.id, dy ?? full(value.shape, 1, 'float32', { engine }));
      for (let n = tape.nodes.length - 1; n >= 0; n--) {
        const node = tape.nodes[n]!;
        if (!node.outputIds.some((id) => grads.has(id))) continue;
        const dys = node.outputIds.map((id, i) => grads.get(id) ?? full(node.outputShapes[i]!, 0, 'float32', { engine }));
        const inGrads = node.backward(dys, { inputs: node.savedInputs, outputs: node.savedOutputs });
        node.inputIds.forEach((id, i) => {
          const g = inGrads[i];
          if (!g || !tape.watched.has(id)) return;
          const shape = node.inputShapes[i]!;
          if (g.shape.length !== shape.length || g.shape.some((d, j) => d !== shape[j])) {
            throw new GradientError(`gradient of ${node.name}: input ${i} has shape [${shape.join(',')}] but its gradient has [${g.shape.join(',')}]`);
          }
          const prev = grads.get(id);
          if (prev) {
            const sum = add(prev, g);
            release(id);
            hold(id, sum);
          } else hold(id, g);
        });
        // The tape is in execution order, so no earlier node needs this node's output gradients.
        for (const id of node.outputIds) release(id);
      }
      // Each source gets its own tensor object: a rule like add's passes one gradient to
      // both inputs, and a caller disposing one source's gradient must not free another's.
      const handedOut = new Set<Tensor>(dy ? [dy] : []);
      return sources.map((s) => {
        const g = grads.get(s.id);
        if (!g) return zerosLike(s);
        const own = handedOut.has(g) ? reshape(g, g.shape) : g;
        handedOut.add(g);
        return own;
      });
    }),
  );
}

function expectFunction(f: unknown): void {
  if (typeof f !== 'function') throw new ArgumentError(`gradients: expected a function to differentiate, got ${f === null ? 'null' : typeof f}`);
}

/** A value and the gradients of it with respect to the sources. */
export interface ValueAndGrads {
  readonly value: Tensor;
  readonly grads: Tensor[];
}

/**
 * Computes `f()` while recording, then the gradients of its result with respect to
 * `sources`. The result must be a float32 scalar unless `dy` (same shape) is given.
 * Intermediates of `f` are freed; the value and the gradients are returned to the caller.
 */
export function valueAndGradsOf(f: () => Tensor, sources: readonly Tensor[], dy?: Tensor): ValueAndGrads {
  expectFunction(f);
  if (sources.length === 0) throw new ArgumentError('gradients: no sources to differentiate with respect to');
  for (const s of sources) {
    if (!(s instanceof Tensor)) throw new ArgumentError('gradients: every source must be a Tensor');
    s.assertLive('gradients');
    if (s.dtype !== 'float32') throw new GradientError(`gradients: source tensor #${s.id} is ${s.dtype}; only float32 tensors have gradients`);
  }
  const engine = sources[0]!.engine;
  const mark = tensorIdMark();
  const tape = engine.pushTape(sources);
  let recording = true;
  try {
    const value = engine.tidy(() => {
      const v = f();
      if (!(v instanceof Tensor)) throw new ArgumentError('gradients: the function must return a Tensor');
      return v;
    });
    engine.popTape(tape);
    recording = false;
    try {
      checkValue(value, dy);
      const grads = backprop(engine, tape, value, dy, sources);
      // A function that returns a tensor it did not create (a source, a captured tensor)
      // must not have that tensor handed back as the value: the caller may dispose it.
      return { value: value.id >= mark ? value : reshape(value, value.shape), grads };
    } catch (e) {
      if (value.id >= mark) value.dispose();
      throw e;
    }
  } finally {
    if (recording) engine.popTape(tape);
    tape.dispose();
  }
}

function checkValue(value: Tensor, dy: Tensor | undefined): void {
  if (value.dtype !== 'float32') throw new GradientError(`gradients: the function returned ${value.dtype}; it must be float32`);
  if (dy === undefined && value.size !== 1) {
    throw new GradientError(`gradients: the function returned shape [${value.shape.join(',')}]; pass dy, or reduce it to a scalar (e.g. with mean())`);
  }
  if (dy && (dy.shape.length !== value.shape.length || dy.shape.some((d, i) => d !== value.shape[i]))) {
    throw new GradientError(`gradients: dy has shape [${dy.shape.join(',')}], the value has [${value.shape.join(',')}]`);
  }
}

/** Returns a function computing the gradient of scalar `f` at x. */
export function grad(f: (x: Tensor) => Tensor): (x: Tensor, dy?: Tensor) => Tensor {
  expectFunction(f);
  return (x, dy) => {
    const { value, grads } = valueAndGradsOf(() => f(x), [x], dy);
    value.dispose();
    return grads[0]!;
  };
}

/** Returns a function computing the gradients of scalar `f` with respect to each argument. */
export function grads(f: (...xs: Tensor[]) => Tensor): (xs: Tensor[], dy?: Tensor) => Tensor[] {
  expectFunction(f);
  return (xs, dy) => {
    const { value, grads: g } = valueAndGradsOf(() => f(...xs), xs, dy);
    value.dispose();
    return g;
  };
}

/** Like `grad`, also returning the value. */
export function valueAndGrad(f: (x: Tensor) => Tensor): (x: Tensor, dy?: Tensor) => { value: Tensor; grad: Tensor } {
  expectFunction(f);
  return (x, dy) => {
    const { value, grads: g } = valueAndGradsOf(() => f(x), [x], dy);
    return { value, grad: g[0]! };
  };
}

/** Like `grads`, also returning the value. */
export function valueAndGrads(f: (...xs: Tensor[]) => Tensor): (xs: Tensor[], dy?: Tensor) => ValueAndGrads {
  expectFunction(f);
  return (xs, dy) => valueAndGradsOf(() => f(...xs), xs, dy);
}

/**
 * Gradients of scalar `f()` with respect to variables (all trainable ones passed).
 * The usual training step: `const { value, grads } = variableGrads(() => loss(), params)`.
 */
export function variableGrads(f: () => Tensor, variables: readonly Variable[]): { value: Tensor; grads: Map<Variable, Tensor> } {
  const trainable = variables.filter((v) => v.trainable);
  const { value, grads: g } = valueAndGradsOf(f, trainable);
  return { value, grads: new Map(trainable.map((v, i) => [v, g[i]!])) };
}

/**
 * Vector–Jacobian product of `f` at `xs` with output cotangent `dy`: used by ops whose
 * gradient is defined by differentiating their composite form (fused kernels).
 */
export function vjp(f: (...xs: Tensor[]) => Tensor, xs: readonly Tensor[], dy: Tensor): Tensor[] {
  const { value, grads: g } = valueAndGradsOf(() => f(...xs), xs, dy);
  value.dispose();
  return g;
}

/** Runs `fn` without recording gradients. */
export function noGrad<T>(fn: () => T): T {
  return getEngine().noGrad(fn);
}
