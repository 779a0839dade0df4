/**
 * Core's `linear` (x·wᵀ + bias) on the CPU: the native gemm's fused bias epilogue and the
 * WebAssembly path against a float64 reference, on odd sizes (size 0 and 1 dimensions,
 * widths that are not multiples of the micro-kernel tiles, rows spanning several tiles),
 * its gradient against the composite rule, the typed errors, and the addon's bias bounds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ShapeError, createHeed, grads, linear, matmul, add, mul, randomNormal, sum, type Heed, type Tensor } from '@heed/core';
import { cpuBackendModuleWith } from '../src/index.js';
import { loadNativeGemm } from '../src/native/index.js';

const SIZES: [number, number, number][] = [
  [0, 3, 4],
  [3, 0, 4],
  [1, 1, 1],
  [5, 7, 33],
  [29, 40, 17],
  [130, 64, 70],
];

function reference(x: Float32Array, w: Float32Array, b: Float32Array | undefined, m: number, k: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = b ? b[j]! : 0;
      for (let p = 0; p < k; p++) s += x[i * k + p]! * w[j * k + p]!;
      out[i * n + j] = s;
    }
  }
  return out;
}

for (const native of [true, false]) {
  describe(`linear on the CPU (${native ? 'native addon' : 'WebAssembly gemm'})`, () => {
    let heed: Heed;
    beforeAll(async () => {
      heed = await createHeed({ plugins: [cpuBackendModuleWith({ native })], setActive: true });
    });
    afterAll(() => heed.dispose());

    for (const [m, k, n] of SIZES) {
      for (const withBias of [true, false]) {
        it(`[${m}, ${k}]·[${n}, ${k}]ᵀ${withBias ? ' + bias' : ''} equals the float64 reference`, () => {
          heed.tidy(() => {
            const x = randomNormal([m, k], 0, 1, { seed: 1 });
            const w = randomNormal([n, k], 0, 1, { seed: 2 });
            const b = withBias ? randomNormal([n], 0, 1, { seed: 3 }) : undefined;
            const y = linear(x, w, b);
            expect(y.shape).toEqual([m, n]);
            const ref = reference(x.dataSync() as Float32Array, w.dataSync() as Float32Array, b?.dataSync() as Float32Array | undefined, m, k, n);
            const got = y.dataSync() as Float32Array;
            for (let i = 0; i < ref.length; i++) expect(Math.abs(got[i]! - ref[i]!)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(ref[i]!)) * Math.max(1, Math.sqrt(k)));
          });
        });
      }
    }

    it('gradients equal those of matmul + add', () => {
      heed.tidy(() => {
        const x = randomNormal([7, 5], 0, 1, { seed: 4 });
        const w = randomNormal([9, 5], 0, 1, { seed: 5 });
        const b = randomNormal([9], 0, 1, { seed: 6 });
        const r = randomNormal([7, 9], 0, 1, { seed: 7 });
        const fused = grads((a, ww, bb) => sum(mul(linear(a!, ww!, bb), r)))([x, w, b]);
        const plain = grads((a, ww, bb) => sum(mul(add(matmul(a!, ww!, { transB: true }), bb!), r)))([x, w, b]);
        fused.forEach((g: Tensor, i) => {
          const p = plain[i]!.dataSync() as Float32Array;
          (g.dataSync() as Float32Array).forEach((v, j) => expect(Math.abs(v - p[j]!)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(p[j]!))));
        });
      });
    });

    it('keeps typed errors', () => {
      heed.tidy(() => {
        const x = randomNormal([2, 3], 0, 1);
        expect(() => linear(x, randomNormal([4, 5], 0, 1))).toThrow(ShapeError);
        expect(() => linear(randomNormal([2, 2, 3], 0, 1), randomNormal([4, 3], 0, 1))).toThrow(/linear: x must be \[m, in\]/);
        expect(() => linear(x, randomNormal([4, 3], 0, 1), randomNormal([3], 0, 1))).toThrow(/linear: bias must be \[4\]/);
      });
    });
  });
}

describe('native sgemm bias argument', () => {
  const gemm = loadNativeGemm();
  it('rejects a bias shorter than n (RangeError), and adds it when k = 0', () => {
    if (!gemm) return expect(gemm).toBeUndefined(); // no addon on this machine: nothing native to check
    const c = new Float32Array(6);
    const args = { batch: 1, m: 2, n: 3, k: 2, a: new Float32Array(4), aOffset: 0, aBatchStride: 0, b: new Float32Array(6), bOffset: 0, bBatchStride: 0, transA: false, transB: false, c, cOffset: 0 };
    expect(() => gemm.sgemm({ ...args, bias: new Float32Array(2) })).toThrow(RangeError);
    gemm.sgemm({ ...args, k: 0, bias: Float32Array.of(1, 2, 3) });
    expect(Array.from(c)).toEqual([1, 2, 3, 1, 2, 3]);
    gemm.dispose();
  });
});

describe('packed weights (native linear reuses packed panels of an unchanged weight)', () => {
  /** Runs `steps` of: three forward passes, then an in-place Adam step; returns every output. */
  async function trace(packWeights: boolean): Promise<Float32Array[]> {
    const { Adam, variable, variableGrads } = await import('@heed/core');
    const app = await createHeed({ plugins: [cpuBackendModuleWith({ packWeights })], setActive: true });
    const outs: Float32Array[] = [];
    const w = variable(randomNormal([70, 96], 0, 0.2, { seed: 11 }), 'w');
    const b = variable(randomNormal([70], 0, 0.2, { seed: 12 }), 'b');
    const x = randomNormal([37, 96], 0, 1, { seed: 13 });
    const opt = new Adam(0.05);
    for (let step = 0; step < 3; step++) {
      for (let i = 0; i < 3; i++) app.tidy(() => void outs.push((linear(x, w, b).dataSync() as Float32Array).slice()));
      app.tidy(() => opt.step(variableGrads(() => sum(mul(linear(x, w, b), linear(x, w, b))), [w, b]).grads));
    }
    opt.dispose();
    app.dispose();
    return outs;
  }

  it('gives the unpacked results, and never a stale weight after an in-place update', async () => {
    const packed = await trace(true);
    const plain = await trace(false);
    expect(packed.length).toBe(9);
    packed.forEach((o, i) => {
      const p = plain[i]!;
      o.forEach((v, j) => expect(Math.abs(v - p[j]!)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(p[j]!))));
    });
    // The weights did change between steps (so a stale packed copy would have shown).
    expect(Math.abs(packed[0]![0]! - packed[3]![0]!)).toBeGreaterThan(1e-3);
  });
});
