import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GemmEngine, type SgemmArgs } from './index.js';

/** Deterministic xorshift32 generator in [-1, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2147483648 - 1;
  };
}

function fill(size: number, next: () => number): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = next();
  return out;
}

interface Problem {
  batch: number;
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  broadcastA?: boolean;
  broadcastB?: boolean;
  seed?: number;
}

/** Builds arguments with non-zero offsets, padded batch strides and a guarded C. */
function makeArgs(p: Problem): SgemmArgs {
  const next = rng(p.seed ?? p.m * 7919 + p.n * 104729 + p.k * 1299709 + p.batch);
  const aSize = p.m * p.k, bSize = p.k * p.n;
  const aStride = p.broadcastA ? 0 : aSize + 3;
  const bStride = p.broadcastB ? 0 : bSize + 1;
  const aOffset = 5, bOffset = 2, cOffset = 7;
  const a = fill(aOffset + Math.max(0, p.batch - 1) * aStride + aSize + 4, next);
  const b = fill(bOffset + Math.max(0, p.batch - 1) * bStride + bSize + 4, next);
  const c = new Float32Array(cOffset + p.batch * p.m * p.n + 9).fill(Number.NaN);
  return { batch: p.batch, m: p.m, n: p.n, k: p.k, a, aOffset, aBatchStride: aStride, b, bOffset, bBatchStride: bStride, transA: p.transA, transB: p.transB, c, cOffset };
}

/**
 * Checks C against a float64 reference: |c - ref| <= 1e-5 · Σ|a||b| per element (a relative
 * bound that stays meaningful under cancellation), and that C's neighbours are untouched.
 */
function check(x: SgemmArgs): void {
  const { batch, m, n, k } = x;
  let worst = 0;
  for (let t = 0; t < batch; t++) {
    const ao = x.aOffset + t * x.aBatchStride, bo = x.bOffset + t * x.bBatchStride, co = x.cOffset + t * m * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0, mag = 0;
        for (let p = 0; p < k; p++) {
          const av = x.a[ao + (x.transA ? p * m + i : i * k + p)]!;
          const bv = x.b[bo + (x.transB ? j * k + p : p * n + j)]!;
          sum += av * bv;
          mag += Math.abs(av * bv);
        }
        const got = x.c[co + i * n + j]!;
        const err = Math.abs(got - sum) / (mag + 1e-30);
        if (!(err <= 1e-5) && !(mag === 0 && got === 0)) {
          throw new Error(`C[${t}][${i}][${j}] = ${got}, want ${sum} (rel err ${err}) for ${JSON.stringify({ batch, m, n, k, tA: x.transA, tB: x.transB })}`);
        }
        worst = Math.max(worst, mag ? err : 0);
      }
    }
  }
  expect(worst).toBeLessThanOrEqual(1e-5);
  for (let i = 0; i < x.cOffset; i++) expect(x.c[i]).toBeNaN();
  for (let i = x.cOffset + batch * m * n; i < x.c.length; i++) expect(x.c[i]).toBeNaN();
}

const transCombos: Array<[boolean, boolean]> = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
];

/** Shapes across every path: JS (tiny), wasm single-thread, wasm threaded, k-blocked. */
const shapes: Array<[number, number, number]> = [
  [1, 1, 1],
  [1, 7, 3],
  [3, 1, 5],
  [4, 6, 1],
  [5, 8, 16],
  [13, 17, 19],
  [1, 300, 64],
  [97, 1, 80],
  [33, 45, 29],
  [64, 64, 64],
  [71, 130, 57],
  [128, 96, 385],
  [150, 203, 170],
  [40, 260, 700],
];

function suite(label: string, create: () => GemmEngine, threaded: boolean): void {
  describe(label, () => {
    let engine: GemmEngine;
    beforeAll(async () => {
      engine = create();
      await engine.ready();
    });
    afterAll(() => engine.dispose());

    for (const [tA, tB] of transCombos) {
      it(`matches a float64 reference on odd shapes, transA=${tA} transB=${tB}`, () => {
        for (const [m, n, k] of shapes) {
          const x = makeArgs({ batch: 1, m, n, k, transA: tA, transB: tB });
          engine.sgemm(x);
          check(x);
        }
      });

      it(`handles batches with and without broadcast, transA=${tA} transB=${tB}`, () => {
        for (const [broadcastA, broadcastB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
          for (const [batch, m, n, k] of [[3, 2, 3, 4], [4, 21, 19, 33], [3, 67, 45, 70]] as const) {
            const x = makeArgs({ batch, m, n, k, transA: tA, transB: tB, broadcastA, broadcastB });
            engine.sgemm(x);
            check(x);
          }
        }
      });
    }

    it('handles empty dimensions', () => {
      for (const [batch, m, n, k] of [[0, 4, 4, 4], [2, 0, 5, 3], [2, 5, 0, 3], [2, 6, 5, 0], [1, 40, 50, 0]]) {
        const x = makeArgs({ batch: batch!, m: m!, n: n!, k: k!, transA: false, transB: false });
        engine.sgemm(x);
        // k = 0: C is all zeros; otherwise nothing to write.
        for (let i = 0; i < batch! * m! * n!; i++) expect(x.c[x.cOffset + i]).toBe(0);
        for (let i = 0; i < x.cOffset; i++) expect(x.c[i]).toBeNaN();
      }
    });

    it('gives the same result on repeated calls and after the memory grows', () => {
      const small = makeArgs({ batch: 1, m: 37, n: 41, k: 43, transA: false, transB: true });
      engine.sgemm(small);
      const first = small.c.slice();
      const big = makeArgs({ batch: 2, m: 300, n: 310, k: 290, transA: true, transB: false });
      engine.sgemm(big);
      check(big);
      small.c.fill(Number.NaN);
      engine.sgemm(small);
      expect(small.c).toEqual(first);
    });

    if (threaded) {
      it('spreads large products over the worker threads', () => {
        const before = engine.workerTasks;
        for (let r = 0; r < 3; r++) {
          const x = makeArgs({ batch: 1, m: 400, n: 384, k: 300, transA: false, transB: false, seed: r + 1 });
          engine.sgemm(x);
          if (r === 0) check(x);
        }
        expect(engine.info.threads).toBeGreaterThan(1);
        expect(engine.workerTasks).toBeGreaterThan(before);
      });
    }
  });
}

suite('GemmEngine (default kernel, 3 threads)', () => GemmEngine.create({ threads: 3 }), true);
suite('GemmEngine (default kernel, 1 thread)', () => GemmEngine.create({ threads: 1 }), false);
suite('GemmEngine (simd128 kernel, 2 threads)', () => GemmEngine.create({ threads: 2, kernel: 'simd128' }), true);
suite('GemmEngine (js kernel)', () => GemmEngine.create({ kernel: 'js' }), false);

describe('GemmEngine info and validation', () => {
  it('uses relaxed SIMD under Node 20 and reports threads', () => {
    const e = GemmEngine.create({ threads: 2 });
    expect(e.info.kernel).toBe('relaxed');
    expect(e.info.threads).toBe(2);
    e.dispose();
    const s = GemmEngine.create({ threads: 1, kernel: 'simd128' });
    expect(s.info).toEqual({ kernel: 'simd128', threads: 1 });
    s.dispose();
  });

  it('rejects bad arguments', () => {
    const e = GemmEngine.create({ threads: 1 });
    const x = makeArgs({ batch: 2, m: 4, n: 5, k: 6, transA: false, transB: false });
    expect(() => e.sgemm({ ...x, m: -1 })).toThrow(RangeError);
    expect(() => e.sgemm({ ...x, k: 1.5 })).toThrow(RangeError);
    expect(() => e.sgemm({ ...x, a: new Float32Array(10) })).toThrow(/a needs/);
    expect(() => e.sgemm({ ...x, c: new Float32Array(10) })).toThrow(/c needs/);
    expect(() => GemmEngine.create({ threads: 0 })).toThrow(RangeError);
    e.dispose();
    expect(() => e.sgemm(x)).toThrow(/dispose/);
  });
});
