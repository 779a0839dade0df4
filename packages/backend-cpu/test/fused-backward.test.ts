/**
 * The CPU's fused gradient kernels (GELU, layer norm, attention) against core's composite
 * gradient rules, which a backend without the kernels runs (a backend object with the
 * kernels removed), on odd sizes: size 0 and 1 dimensions, rows that are not a multiple
 * of any SIMD width, masks (broadcast, fully masked rows) and causal attention.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createHeed,
  gelu,
  grads,
  layerNorm,
  mul,
  randomNormal,
  randomUniform,
  scaledDotProductAttention,
  sum,
  tensor,
  type Backend,
  type Heed,
  type Tensor,
} from '@heed/core';
import { CpuBackend } from '../src/index.js';

/** A CPU backend that hides the fused gradient kernels (so core runs the composite rules). */
function withoutFusedBackward(): Backend {
  const be = new CpuBackend();
  return new Proxy(be, {
    get(target, prop, receiver) {
      if (prop === 'geluBackward' || prop === 'layerNormBackward' || prop === 'attentionBackward') return undefined;
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

let fused: Heed;
let plain: Heed;
beforeAll(async () => {
  fused = await createHeed({ backend: 'cpu', plugins: [(await import('../src/index.js')).cpuBackendModule] });
  plain = await createHeed({
    backend: 'plain',
    plugins: [(await import('@heed/core')).backendModule({ name: 'plain', priority: 1, create: () => withoutFusedBackward() })],
  });
});
afterAll(() => {
  fused.dispose();
  plain.dispose();
});

/** Gradients of Σ f(inputs)·w on both apps, compared normwise. */
function compare(makeInputs: (h: Heed) => Tensor[], f: (...xs: Tensor[]) => Tensor, tol = 2e-6): void {
  const run = (h: Heed): Float32Array[] =>
    h.tidy(() => {
      const xs = makeInputs(h);
      const y = f(...xs);
      const w = randomNormal(y.shape, 0, 1, { seed: 99, engine: h.engine });
      return grads((...a: Tensor[]) => sum(mul(f(...a), w)))(xs).map((g) => g.dataSync() as Float32Array);
    });
  const a = run(fused);
  const b = run(plain);
  expect(a.length).toBe(b.length);
  a.forEach((g, i) => {
    expect(g.length).toBe(b[i]!.length);
    let n = 0;
    let d = 0;
    for (let j = 0; j < g.length; j++) {
      n += (g[j]! - b[i]![j]!) ** 2;
      d += b[i]![j]! ** 2;
    }
    expect(Math.sqrt(n) / Math.max(Math.sqrt(d), 1e-12)).toBeLessThanOrEqual(tol);
  });
}

const normal = (shape: number[], seed: number, std = 1) => (h: Heed) => randomNormal(shape, 0, std, { seed, engine: h.engine });

describe('fused GELU gradient equals the composite rule', () => {
  for (const shape of [[0], [1], [3, 17], [2, 5, 33]]) {
    for (const approximate of ['none', 'tanh'] as const) {
      it(`${approximate}, [${shape.join(',')}]`, () => {
        compare((h) => [normal(shape, 1, 3)(h)], (x) => gelu(x, approximate), 2e-6);
      });
    }
  }
  it('large |x| (saturated tails) stays finite and exact', () => {
    compare((h) => [tensor([-40, -9, -5, -0.5, 0, 0.5, 5, 9, 40], [9], 'float32', { engine: h.engine })], (x) => gelu(x), 1e-6);
  });
});

describe('fused layer norm gradient equals the composite rule', () => {
  for (const shape of [[1, 1], [3, 1], [4, 7], [2, 3, 33], [0, 5]]) {
    it(`[${shape.join(',')}]`, () => {
      const d = shape.at(-1)!;
      compare((h) => [normal(shape, 1)(h), normal([d], 2)(h), normal([d], 3)(h)], (x, g, b) => layerNorm(x, g!, b!, 1e-5), 1e-5);
    });
  }
});

describe('fused attention gradient equals the composite rule', () => {
  const cases: { name: string; b: number; h: number; tq: number; tk: number; d: number; dv: number; mask?: 'key' | 'full' | 'row'; causal?: boolean }[] = [
    { name: 'plain', b: 2, h: 3, tq: 5, tk: 7, d: 4, dv: 6 },
    { name: 'sizes 1', b: 1, h: 1, tq: 1, tk: 1, d: 1, dv: 1 },
    { name: 'key padding mask [b,1,1,tk]', b: 2, h: 2, tq: 4, tk: 6, d: 5, dv: 3, mask: 'key' },
    { name: 'full mask with a fully masked row', b: 2, h: 2, tq: 4, tk: 5, d: 3, dv: 3, mask: 'row' },
    { name: 'causal, tq < tk', b: 1, h: 2, tq: 3, tk: 6, d: 4, dv: 4, causal: true },
    { name: 'causal and mask, 17 keys', b: 2, h: 1, tq: 17, tk: 17, d: 3, dv: 2, causal: true, mask: 'full' },
    { name: 'no queries', b: 2, h: 2, tq: 0, tk: 3, d: 2, dv: 2 },
    { name: 'no keys', b: 1, h: 2, tq: 3, tk: 0, d: 2, dv: 2 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const maskOf = (h: Heed): Tensor | undefined => {
        if (!c.mask) return undefined;
        const shape = c.mask === 'key' ? [c.b, 1, 1, c.tk] : [c.b, c.h, c.tq, c.tk];
        const u = randomUniform(shape, 0, 1, { seed: 5, engine: h.engine }).dataSync() as Float32Array;
        const bits = Array.from(u, (v, i) => (c.mask === 'row' && i < c.tk ? false : v > 0.3));
        return tensor(bits, shape, 'bool', { engine: h.engine });
      };
      compare(
        (h) => [normal([c.b, c.h, c.tq, c.d], 1)(h), normal([c.b, c.h, c.tk, c.d], 2)(h), normal([c.b, c.h, c.tk, c.dv], 3)(h)],
        (q, k, v) => {
          const mask = maskOf(fused.engine === q.engine ? fused : plain);
          return scaledDotProductAttention(q, k!, v!, { ...(mask && { mask }), causal: c.causal ?? false });
        },
        5e-6,
      );
    });
  }
});
