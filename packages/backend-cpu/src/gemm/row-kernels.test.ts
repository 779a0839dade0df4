import { afterAll, describe, expect, it } from 'vitest';
import { erf } from '../kernels/math.js';
import { GemmEngine, RowOp, type RowOpCode } from './index.js';

// The WebAssembly row / elementwise kernels (asm/rows.ts, asm/vmath.ts) against float64
// references, on both builds (relaxed SIMD and plain simd128), on one thread and split
// over the worker pool.

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2147483648 - 1;
  };
}

function fill(size: number, scale: number, seed: number, offset = 0): Float32Array {
  const next = rng(seed);
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = offset + scale * next();
  return out;
}

const rows = (x: ArrayLike<number>, cols: number): number[][] => {
  const out: number[][] = [];
  for (let r = 0; r < x.length; r += cols) out.push(Array.from({ length: cols }, (_, j) => x[r + j]!));
  return out;
};

function softmaxRef(x: ArrayLike<number>, cols: number): number[] {
  return rows(x, cols).flatMap((r) => {
    const m = Math.max(...r);
    const e = r.map((v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / s);
  });
}

function logSoftmaxRef(x: ArrayLike<number>, cols: number): number[] {
  return rows(x, cols).flatMap((r) => {
    const m = Math.max(...r);
    if (m === -Infinity) return r.map(() => NaN);
    const lse = m + Math.log(r.reduce((a, v) => a + Math.exp(v - m), 0));
    return r.map((v) => v - lse);
  });
}

function layerNormRef(x: ArrayLike<number>, g: ArrayLike<number>, b: ArrayLike<number>, cols: number, eps: number): number[] {
  return rows(x, cols).flatMap((r) => {
    const mean = r.reduce((a, v) => a + v, 0) / cols;
    const v = r.reduce((a, x) => a + (x - mean) ** 2, 0) / cols;
    const rstd = 1 / Math.sqrt(v + eps);
    return r.map((x, j) => (x - mean) * rstd * g[j]! + b[j]!);
  });
}

const geluRef = (v: number): number => 0.5 * v * (1 + erf(v / Math.SQRT2));
const C = Math.sqrt(2 / Math.PI);
const geluTanhRef = (v: number): number => 0.5 * v * (1 + Math.tanh(C * (v + 0.044715 * v ** 3)));

/** |actual − expected| ≤ atol + rtol·|expected| elementwise; NaN and ±Infinity must match. */
function expectClose(actual: Float32Array, expected: ArrayLike<number>, rtol: number, atol: number, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!, e = Math.fround(expected[i]!);
    if (Number.isNaN(e) || !Number.isFinite(e)) {
      expect(a, `${what} [${i}]`).toBe(e);
      continue;
    }
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      expect.fail(`${what} [${i}]: got ${a}, expected ${e} (|diff| ${Math.abs(a - e)})`);
    }
  }
}

const engines: GemmEngine[] = [];
afterAll(() => engines.forEach((e) => e.dispose()));

const variants: Array<{ name: string; kernel: 'relaxed' | 'simd128'; threads: number }> = [
  { name: 'relaxed, 1 thread', kernel: 'relaxed', threads: 1 },
  { name: 'relaxed, 2 threads', kernel: 'relaxed', threads: 2 },
  { name: 'simd128, 1 thread', kernel: 'simd128', threads: 1 },
  { name: 'simd128, 2 threads', kernel: 'simd128', threads: 2 },
];

describe.each(variants)('row kernels ($name)', ({ kernel, threads }) => {
  const engine = GemmEngine.create({ kernel, threads });
  engines.push(engine);
  const run = (op: RowOpCode, x: Float32Array, cols: number, params?: { gamma: Float32Array; beta: Float32Array; eps: number }): Float32Array => {
    const y = engine.rowKernel(op, x, cols, params);
    expect(y).toBeDefined();
    return y!;
  };

  it('uses the requested wasm build', async () => {
    await engine.ready();
    expect(engine.hasWasm).toBe(true);
    expect(engine.info.kernel).toBe(kernel);
  });

  // Row lengths: 1, 3 (tail only), 768 (BERT width), 1000 (vector body + tail); row counts
  // small (caller's thread) and large (split over the pool when threads > 1).
  for (const cols of [1, 3, 8, 768, 1000]) {
    for (const nRows of [1, 5, cols >= 768 ? 64 : 20000]) {
      it(`softmax / logSoftmax / layerNorm on ${nRows} rows of ${cols}`, () => {
        const x = fill(nRows * cols, 8, cols * 31 + nRows);
        expectClose(run(RowOp.SOFTMAX, x, cols), softmaxRef(x, cols), 1e-6, 1e-7, 'softmax');
        expectClose(run(RowOp.LOG_SOFTMAX, x, cols), logSoftmaxRef(x, cols), 1e-6, 2e-6, 'logSoftmax');
        const g = fill(cols, 1, 7, 1), b = fill(cols, 1, 9);
        expectClose(run(RowOp.LAYER_NORM, x, cols, { gamma: g, beta: b, eps: 1e-5 }), layerNormRef(x, g, b, cols, 1e-5), 1e-5, 1e-6, 'layerNorm');
      });
    }
  }

  it('layerNorm keeps its accuracy on rows far from zero and on constant rows', () => {
    const cols = 768;
    const x = new Float32Array([...fill(cols, 1, 3, 1000), ...fill(cols, 1e-3, 4, -50), ...new Float32Array(cols).fill(2.5)]);
    const g = new Float32Array(cols).fill(1), b = new Float32Array(cols).fill(0.25);
    expectClose(run(RowOp.LAYER_NORM, x, cols, { gamma: g, beta: b, eps: 1e-5 }), layerNormRef(x, g, b, cols, 1e-5), 1e-5, 2e-6, 'layerNorm');
    const eps12 = run(RowOp.LAYER_NORM, x, cols, { gamma: g, beta: b, eps: 1e-12 });
    expectClose(eps12, layerNormRef(x, g, b, cols, 1e-12), 1e-5, 2e-6, 'layerNorm eps 1e-12');
  });

  it('softmax and logSoftmax of ±1000 logits, −Infinity entries and NaN', () => {
    const x = new Float32Array([1000, 1001, 999, -1000, -1001, -999, 0, -Infinity, 1, -Infinity, -Infinity, -Infinity, NaN, 1, 2, 1, 2, 3]);
    const sm = run(RowOp.SOFTMAX, x, 3);
    expectClose(sm.subarray(0, 9), softmaxRef(x.subarray(0, 9), 3), 1e-6, 1e-7, 'softmax');
    expect(sm[7]).toBe(0); // e^(−Infinity) is exactly 0
    expect(Array.from(sm.subarray(9, 15)).every(Number.isNaN)).toBe(true); // all −Infinity; NaN in the row
    expectClose(sm.subarray(15), softmaxRef([1, 2, 3], 3), 1e-6, 1e-7, 'softmax after NaN row');
    const ls = run(RowOp.LOG_SOFTMAX, x, 3);
    expectClose(ls.subarray(0, 9), logSoftmaxRef(x.subarray(0, 9), 3), 1e-6, 1e-6, 'logSoftmax');
    expect(ls[7]).toBe(-Infinity);
    expect(Array.from(ls.subarray(9, 15)).every(Number.isNaN)).toBe(true);
  });

  const special = [0, -0, 1e-30, -1e-30, 1e-4, -1e-4, 0.5, -0.5, 0.62, 0.63, -3, 3, 5.5, -5.5, 10, -10, 20, -20, 88, -88, 88.7, 88.8, -87.5, -103, -104, -200, 1000, -1000];
  const edge = new Float32Array([...special, ...fill(4000, 12, 77)]);
  const nonFinite = new Float32Array([Infinity, -Infinity, NaN]);

  it('exp: ~2 ulp over the float range, overflow, underflow, ±Infinity, NaN', () => {
    // Results under 2^-125 flush to 0 (no subnormal arithmetic, see asm/vmath.ts).
    expectClose(run(RowOp.EXP, edge, 1), Array.from(edge, Math.exp), 3e-7, 3e-38, 'exp');
    expect(Array.from(run(RowOp.EXP, nonFinite, 1))).toEqual([Infinity, 0, NaN]);
    expect(run(RowOp.EXP, new Float32Array([88.72, 88.73]), 1)[1]).toBe(Infinity);
  });

  it('gelu exact and tanh within rtol 1e-5 + atol 1e-6 of float64, odd lengths, non-finite inputs', () => {
    for (const n of [1, 3, 7, edge.length]) {
      const x = edge.subarray(edge.length - n);
      expectClose(run(RowOp.GELU, x, 1), Array.from(x, geluRef), 1e-5, 1e-6, `gelu n=${n}`);
      expectClose(run(RowOp.GELU_TANH, x, 1), Array.from(x, geluTanhRef), 1e-5, 1e-6, `gelu tanh n=${n}`);
    }
    // The two forms differ (by ~1e-4 at x = −2, far beyond the tolerance): each matches its own reference.
    const two = run(RowOp.GELU, new Float32Array([-2, 2]), 1), twoTanh = run(RowOp.GELU_TANH, new Float32Array([-2, 2]), 1);
    expect(Math.abs(two[0]! - twoTanh[0]!)).toBeGreaterThan(5e-5);
    expect(Array.from(run(RowOp.GELU, nonFinite, 1))).toEqual([Infinity, NaN, NaN]);
    expect(Array.from(run(RowOp.GELU_TANH, nonFinite, 1))).toEqual([Infinity, NaN, NaN]);
  });

  it('sigmoid and tanh', () => {
    const sig = (v: number): number => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)));
    expectClose(run(RowOp.SIGMOID, edge, 1), Array.from(edge, sig), 1e-6, 1e-37, 'sigmoid');
    expectClose(run(RowOp.TANH, edge, 1), Array.from(edge, Math.tanh), 1e-6, 1e-37, 'tanh');
    expect(Array.from(run(RowOp.SIGMOID, nonFinite, 1))).toEqual([1, 0, NaN]);
    expect(Array.from(run(RowOp.TANH, nonFinite, 1))).toEqual([1, -1, NaN]);
  });

  it('large elementwise inputs split over the pool give the same as one thread', () => {
    const x = fill(100_003, 6, 5);
    expectClose(run(RowOp.GELU, x, 1), Array.from(x, geluRef), 1e-5, 1e-6, 'gelu');
    if (threads > 1) expect(engine.workerTasks).toBeGreaterThan(0);
  });

  it('leaves the input untouched, rejects rows that do not divide the input', () => {
    const x = fill(12, 1, 3);
    const copy = x.slice();
    run(RowOp.SOFTMAX, x, 4);
    expect(x).toEqual(copy);
    expect(() => engine.rowKernel(RowOp.SOFTMAX, x, 5)).toThrow(RangeError);
    expect(() => engine.rowKernel(RowOp.LAYER_NORM, x, 4)).toThrow(RangeError);
    expect(engine.rowKernel(RowOp.SOFTMAX, new Float32Array(0), 4)).toEqual(new Float32Array(0));
  });
});

describe('row kernels without wasm', () => {
  it('return undefined so that callers use their JS path', () => {
    const e = GemmEngine.create({ kernel: 'js' });
    expect(e.hasWasm).toBe(false);
    expect(e.rowKernel(RowOp.SOFTMAX, new Float32Array(4), 2)).toBeUndefined();
    e.dispose();
  });
});
