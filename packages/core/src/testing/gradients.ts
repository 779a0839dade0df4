import { describe, expect, it } from 'vitest';
import { valueAndGradsOf } from '../autograd.js';
import * as ops from '../ops/index.js';
import { Rng } from '../random.js';
import { sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import type { KitContext } from './conformance.js';

/** An input of a gradient check: its shape and (optional) values. */
interface GradInput {
  shape: number[];
  vals?: number[];
  /** Keep values away from 0 (for ops with a kink there: abs, relu, max). */
  kinkFree?: boolean;
}

function sample(inp: GradInput, rng: Rng): number[] {
  if (inp.vals) return inp.vals;
  return Array.from({ length: sizeOf(inp.shape) }, () => {
    if (!inp.kinkFree) return rng.uniform(-1.5, 1.5);
    const v = rng.uniform(0.3, 1.5);
    return rng.next() < 0.5 ? -v : v;
  });
}

/**
 * Compares autograd's gradient of L = Σ f(x…)·w (w fixed random weights, so every
 * output element matters) with central finite differences of L in float32.
 */
export async function gradCheck(ctx: KitContext, f: (...xs: Tensor[]) => Tensor, inputs: GradInput[], seed = 1): Promise<void> {
  const rng = new Rng(seed);
  const vals = inputs.map((inp) => Float32Array.from(sample(inp, rng)));
  const xs = inputs.map((inp, i) => ctx.t(Array.from(vals[i]!), inp.shape));
  const probe = f(...xs);
  const w = ctx.t(Array.from({ length: probe.size }, () => rng.uniform(0.5, 1.5)), probe.shape);
  probe.dispose();
  const loss = (...args: Tensor[]): Tensor => ops.sum(ops.mul(f(...args), w));
  const { value, grads } = valueAndGradsOf(() => loss(...xs), xs);
  value.dispose();
  const eps = 1e-2;
  const evalAt = async (which: number, idx: number, delta: number): Promise<number> => {
    const v = Float32Array.from(vals[which]!);
    v[idx]! += delta;
    const shifted = ctx.t(Array.from(v), inputs[which]!.shape);
    const args = xs.map((x, i) => (i === which ? shifted : x));
    const y = ctx.engine().tidy(() => loss(...args));
    const out = (await y.data())[0]!;
    y.dispose();
    shifted.dispose();
    return out;
  };
  for (let i = 0; i < xs.length; i++) {
    const analytic = await grads[i]!.data();
    expect(grads[i]!.shape).toEqual(inputs[i]!.shape);
    for (let j = 0; j < vals[i]!.length; j++) {
      const numeric = ((await evalAt(i, j, eps)) - (await evalAt(i, j, -eps))) / (2 * eps);
      const a = analytic[j]!;
      if (!(Math.abs(a - numeric) <= 2e-3 + 2e-2 * Math.abs(numeric))) {
        expect.fail(`input ${i} element ${j}: autograd ${a}, finite difference ${numeric}`);
      }
    }
  }
  for (const g of grads) g.dispose();
  for (const x of xs) x.dispose();
  w.dispose();
}

/** Registers finite-difference checks of the gradient of every differentiable op. */
export function registerGradientChecks(ctx: KitContext): void {
  const g = (name: string, f: (...xs: Tensor[]) => Tensor, inputs: GradInput[]): void => {
    it(name, () => gradCheck(ctx, f, inputs));
  };
  const s = (shape: number[], kinkFree = false): GradInput => ({ shape, kinkFree });
  const pos = (shape: number[]): GradInput => ({ shape, vals: Array.from({ length: sizeOf(shape) }, (_, i) => 0.5 + ((i * 0.37) % 1.5)) });

  describe('gradients (finite differences)', () => {
    for (const op of ['neg', 'exp', 'tanh', 'sigmoid', 'sin', 'cos', 'erf', 'square'] as const) {
      g(op, (x) => (ops as unknown as Record<string, (t: Tensor) => Tensor>)[op]!(x), [s([2, 3])]);
    }
    for (const op of ['log', 'log1p', 'sqrt', 'rsqrt', 'reciprocal'] as const) {
      g(op, (x) => (ops as unknown as Record<string, (t: Tensor) => Tensor>)[op]!(x), [pos([2, 3])]);
    }
    g('abs', ops.abs, [s([2, 3], true)]);
    g('relu', ops.relu, [s([2, 3], true)]);
    g('add/sub/mul with broadcasting', (a, b) => ops.mul(ops.sub(ops.add(a, b), b), ops.add(b, 1)), [s([2, 3]), s([3])]);
    g('div with broadcasting', (a, b) => ops.div(a, b), [s([2, 1, 3]), pos([4, 1])]);
    g('pow', (a, b) => ops.pow(a, b), [pos([2, 3]), s([3])]);
    g('maximum/minimum', (a, b) => ops.add(ops.maximum(a, b), ops.minimum(a, b)), [s([2, 3]), { shape: [2, 3], vals: [0.9, -0.8, 0.2, 0.5, 1.4, -1.1] }]);
    g('sum and mean over axes, keepDims', (x) => ops.add(ops.sum(x, [0, 2], { keepDims: true }), ops.mean(x, 1, { keepDims: true })), [s([2, 3, 4])]);
    g('max and min over an axis', (x) => ops.add(ops.max(x, 1, { keepDims: true }), ops.min(x, 0, { keepDims: true })), [s([3, 4])]);
    g('logSumExp and variance', (x) => ops.add(ops.logSumExp(x, -1), ops.variance(x, -1)), [s([3, 4])]);
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      g(`matmul${ta ? ' transA' : ''}${tb ? ' transB' : ''}`, (a, b) => ops.matmul(a, b, { transA: ta, transB: tb }), [s(ta ? [4, 3] : [3, 4]), s(tb ? [2, 4] : [4, 2])]);
    }
    g('batched matmul with broadcast batch', (a, b) => ops.matmul(a, b), [s([2, 3, 4]), s([4, 2])]);
    g('matmul with vectors', (a, b) => ops.matmul(a, b), [s([3]), s([3, 2])]);
    g('transpose and reshape', (x) => ops.reshape(ops.transpose(x, [2, 0, 1]), [4, 6]), [s([2, 3, 4])]);
    g('slice and pad', (x) => ops.pad(ops.slice(x, [1, 0], [2, 2]), [[0, 1], [2, 0]]), [s([3, 4])]);
    g('concat, split and stack', (a, b) => {
      const c = ops.concat([a, b], 1);
      const [p, q] = ops.split(c, [1, 4], 1);
      return ops.stack([ops.mul(p!, 2), ops.slice(q!, [0, 0], [2, 1])], 0);
    }, [s([2, 2]), s([2, 3])]);
    g('broadcastTo', (x) => ops.broadcastTo(x, [2, 3, 4]), [s([3, 1])]);
    g('gather with repeated indices (embedding)', (w) => ops.gather(w, ctx.t([0, 2, 0, 1], [2, 2], 'int32'), 0), [s([3, 2])]);
    g('gather on axis 1', (w) => ops.gather(w, ctx.t([1, 1, 0], [3], 'int32'), 1), [s([2, 3])]);
    g('scatterAdd', (u) => ops.scatterAdd(ctx.t([1, 1, 0], [3], 'int32'), u, [3, 2], 0), [s([3, 2])]);
    g('where', (a, b) => ops.where(ctx.t([1, 0, 1], [3], 'bool'), a, b), [s([2, 3]), s([3])]);
    g('softmax (last and first axis)', (x) => ops.add(ops.softmax(x), ops.softmax(x, 0)), [s([3, 3])]);
    g('logSoftmax', (x) => ops.logSoftmax(x), [s([2, 5])]);
    g('layerNorm (x, gamma, beta)', (x, ga, be) => ops.layerNorm(x, ga, be), [s([3, 5]), s([5]), s([5])]);
    g('gelu exact', (x) => ops.gelu(x), [s([2, 4])]);
    g('gelu tanh', (x) => ops.gelu(x, 'tanh'), [s([2, 4])]);
    g('crossEntropy', (x) => ops.crossEntropy(x, ctx.t([1, 0, 3], [3], 'int32')), [s([3, 4])]);
    g('crossEntropy with ignored rows and label smoothing (mean over kept rows)', (x) =>
      ops.crossEntropy(x, ctx.t([1, -100, 3, 0, -100], [5], 'int32'), { labelSmoothing: 0.2 }), [s([5, 4])]);
    g('crossEntropy per row, ignore index inside the class range', (x) =>
      ops.crossEntropy(x, ctx.t([1, 2, 3], [3], 'int32'), { ignoreIndex: 2, labelSmoothing: 0.1, reduction: 'none' }), [s([3, 4])]);
    it('crossEntropy with every row ignored: loss 0 and gradient 0, never NaN', async () => {
      const x = ctx.t([0.5, -1, 2, 0.1, 3, -2], [2, 3]);
      const labels = ctx.t([-100, -100], [2], 'int32');
      const { value, grads } = valueAndGradsOf(() => ops.crossEntropy(x, labels, { labelSmoothing: 0.1 }), [x]);
      expect(Array.from(await value.data())).toEqual([0]);
      expect(Array.from(await grads[0]!.data(), (v) => v + 0)).toEqual([0, 0, 0, 0, 0, 0]); // +0 folds -0
      for (const z of [value, ...grads, x, labels]) z.dispose();
    });
    g('scaledDotProductAttention with mask and causal', (q, k, v) =>
      ops.scaledDotProductAttention(q, k, v, { causal: true, mask: ctx.t([1, 1, 0, 1], [1, 1, 1, 4], 'bool') }), [s([1, 2, 3, 2]), s([1, 2, 4, 2]), s([1, 2, 4, 3])]);
    g('lstmCell (both outputs)', (x, h, c, w, r, b) => {
      const [h2, c2] = ops.lstmCell(x, h, c, w, r, b);
      return ops.concat([h2, c2], 1);
    }, [s([2, 3]), s([2, 2]), s([2, 2]), s([3, 8]), s([2, 8]), s([8])]);
    g('gruCell', (x, h, w, r, bw, br) => ops.gruCell(x, h, w, r, bw, br), [s([2, 3]), s([2, 2]), s([3, 6]), s([2, 6]), s([6]), s([6])]);
  });
}
