/**
 * The native sgemm addon against a float64 reference, on every micro-kernel this CPU runs
 * (AVX-512, AVX2+FMA, portable). Builds the addon first when it is missing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SgemmArgs } from '../gemm/types.js';
import { loadNativeGemm, nativeGemmPath, nativeKernels, type NativeGemm, type NativeKernel } from './index.js';

const buildScript = fileURLToPath(new URL('../../native/build.mjs', import.meta.url));

beforeAll(() => {
  // Builds when missing or stale (a no-op when up to date; a build takes a few seconds).
  const r = spawnSync(process.execPath, [buildScript, '--quiet'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`native build failed:\n${r.stderr}`);
  expect(existsSync(nativeGemmPath()!)).toBe(true);
}, 120_000);

function rand(size: number, seed: number): Float32Array {
  const out = new Float32Array(size);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = (s >>> 0) / 4294967296 - 0.5;
  }
  return out;
}

/** float64 reference and the scale Σ|a||b| of each element (for the tolerance). */
function reference(x: SgemmArgs): { ref: Float64Array; scale: Float64Array } {
  const { batch, m, n, k } = x;
  const ref = new Float64Array(batch * m * n);
  const scale = new Float64Array(batch * m * n);
  for (let b = 0; b < batch; b++) {
    const a0 = x.aOffset + b * x.aBatchStride, b0 = x.bOffset + b * x.bBatchStride;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0, t = 0;
        for (let p = 0; p < k; p++) {
          const av = x.a[a0 + (x.transA ? p * m + i : i * k + p)]!;
          const bv = x.b[b0 + (x.transB ? j * k + p : p * n + j)]!;
          s += av * bv;
          t += Math.abs(av * bv);
        }
        ref[(b * m + i) * n + j] = s;
        scale[(b * m + i) * n + j] = t;
      }
    }
  }
  return { ref, scale };
}

interface Case {
  batch?: number;
  m: number;
  n: number;
  k: number;
  transA?: boolean;
  transB?: boolean;
  aBroadcast?: boolean;
  bBroadcast?: boolean;
  offsets?: boolean;
}

/** Runs one case; checks C against the reference (rtol 1e-5 of Σ|a·b|) and that nothing outside C changed. */
function check(engine: NativeGemm, c: Case, seed = 1): void {
  const batch = c.batch ?? 1;
  const { m, n, k } = c;
  const aOffset = c.offsets ? 7 : 0, bOffset = c.offsets ? 5 : 0, cOffset = c.offsets ? 3 : 0;
  const aBatchStride = c.aBroadcast ? 0 : m * k + (c.offsets ? 2 : 0);
  const bBatchStride = c.bBroadcast ? 0 : k * n + (c.offsets ? 1 : 0);
  const aLen = aOffset + (batch - 1) * aBatchStride + m * k + 4;
  const bLen = bOffset + (batch - 1) * bBatchStride + k * n + 4;
  const cLen = cOffset + batch * m * n + 4;
  const args: SgemmArgs = {
    batch, m, n, k,
    a: rand(aLen, seed), aOffset, aBatchStride,
    b: rand(bLen, seed + 101), bOffset, bBatchStride,
    transA: c.transA ?? false, transB: c.transB ?? false,
    c: new Float32Array(cLen).fill(Number.NaN), cOffset,
  };
  engine.sgemm(args);
  const { ref, scale } = reference(args);
  let bad = 0, first = '';
  for (let e = 0; e < ref.length; e++) {
    const got = args.c[cOffset + e]!;
    const tol = 1e-5 * scale[e]! + 1e-30;
    if (!(Math.abs(got - ref[e]!) <= tol)) {
      if (!bad) first = `element ${e}: got ${got}, want ${ref[e]} (tol ${tol})`;
      bad++;
    }
  }
  expect(bad, `${JSON.stringify(c)} ${engine.info.kernel}: ${bad} bad, first ${first}`).toBe(0);
  for (let e = 0; e < cOffset; e++) expect(args.c[e]).toBeNaN();
  for (let e = cOffset + ref.length; e < cLen; e++) expect(args.c[e]).toBeNaN();
}

const available = (() => {
  // Evaluated at collection time: build first so the kernels are known (and the tests run).
  const path = nativeGemmPath();
  if (path && !existsSync(path)) spawnSync(process.execPath, [buildScript, '--quiet']);
  return nativeKernels();
})();
const onX64 = process.arch === 'x64';

describe('native addon', () => {
  it('is built and loads on this machine', () => {
    expect(available).toContain('scalar');
    if (onX64) expect(available).toContain('avx2');
    const engine = loadNativeGemm();
    expect(engine).toBeDefined();
    expect(engine!.info.kernel).toBe(available[0]);
    expect(engine!.info.threads).toBeGreaterThanOrEqual(1);
    engine!.dispose();
  });

  it('is disabled by HEED_NATIVE=0', () => {
    const saved = process.env.HEED_NATIVE;
    process.env.HEED_NATIVE = '0';
    try {
      expect(loadNativeGemm()).toBeUndefined();
      expect(nativeKernels()).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.HEED_NATIVE;
      else process.env.HEED_NATIVE = saved;
    }
  });

  it('rejects bad arguments', () => {
    const engine = loadNativeGemm({ kernel: 'scalar' })!;
    const base: SgemmArgs = {
      batch: 1, m: 2, n: 2, k: 2, a: new Float32Array(4), aOffset: 0, aBatchStride: 0,
      b: new Float32Array(4), bOffset: 0, bBatchStride: 0, transA: false, transB: false, c: new Float32Array(4), cOffset: 0,
    };
    expect(() => engine.sgemm({ ...base, c: new Float32Array(3) })).toThrow(RangeError);
    expect(() => engine.sgemm({ ...base, aOffset: 1 })).toThrow(RangeError);
    expect(() => engine.sgemm({ ...base, m: -1 })).toThrow(RangeError);
    expect(() => engine.sgemm({ ...base, k: 1.5 })).toThrow(RangeError);
    expect(() => engine.sgemm({ ...base, b: new Float64Array(4) as unknown as Float32Array })).toThrow(TypeError);
    engine.dispose();
    expect(() => engine.sgemm(base)).toThrow(/dispose/);
  });
});

const kernels: NativeKernel[] = ['avx512', 'avx2', 'scalar'];
describe.each(kernels)('native sgemm, %s kernel', (kernel) => {
  // AVX-512 and AVX2 run wherever the CPU has them (this machine has both); on other CPUs
  // those blocks are skipped and the portable kernel still runs.
  const supported = available.includes(kernel);
  let engine: NativeGemm;
  let engine1: NativeGemm;
  beforeAll(() => {
    if (!supported) return;
    engine = loadNativeGemm({ kernel, threads: 3 })!;
    engine1 = loadNativeGemm({ kernel, threads: 1 })!;
    expect(engine.info.kernel).toBe(kernel);
  });
  afterAll(() => {
    engine?.dispose();
    engine1?.dispose();
  });

  it.runIf(supported)('odd shapes, including 1 and 0 dimensions', () => {
    const shapes: Array<[number, number, number]> = [
      [1, 1, 1], [1, 7, 3], [5, 1, 9], [3, 4, 1], [13, 31, 17], [14, 32, 8], [15, 33, 20], [29, 65, 40],
      [6, 16, 5], [7, 17, 3], [64, 64, 64], [1, 300, 70], [120, 1, 50], [45, 100, 257],
    ];
    for (const [m, n, k] of shapes) {
      check(engine, { m, n, k });
      check(engine1, { m, n, k });
    }
    // Zero dimensions: nothing to do, or (k = 0) C overwritten with zeros.
    const c = new Float32Array(6).fill(Number.NaN);
    const none = new Float32Array(0);
    const z = { aOffset: 0, aBatchStride: 0, bOffset: 0, bBatchStride: 0, transA: false, transB: false, cOffset: 0 };
    engine.sgemm({ ...z, batch: 1, m: 2, n: 3, k: 0, a: none, b: none, c });
    expect([...c]).toEqual([0, 0, 0, 0, 0, 0]);
    c.fill(7);
    engine.sgemm({ ...z, batch: 1, m: 0, n: 3, k: 4, a: none, b: new Float32Array(12), c });
    engine.sgemm({ ...z, batch: 1, m: 2, n: 0, k: 4, a: new Float32Array(8), b: none, c });
    engine.sgemm({ ...z, batch: 0, m: 2, n: 3, k: 4, a: none, b: none, c });
    expect([...c]).toEqual([7, 7, 7, 7, 7, 7]);
  });

  it.runIf(supported)('all four transpose combinations', () => {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        for (const [m, n, k] of [[23, 37, 19], [1, 50, 33], [40, 3, 70], [70, 90, 300]] as const) {
          check(engine, { m, n, k, transA, transB }, 3);
        }
      }
    }
  });

  it.runIf(supported)('large k over several k blocks', () => {
    check(engine, { m: 31, n: 47, k: 1100 }, 5);
    check(engine, { m: 17, n: 40, k: 769, transA: true, transB: true }, 6);
    check(engine1, { m: 9, n: 33, k: 513 }, 7);
  });

  it.runIf(supported)('batched, with broadcast strides and offsets', () => {
    const base = { batch: 3, m: 19, n: 35, k: 27 };
    check(engine, { ...base }, 8);
    check(engine, { ...base, aBroadcast: true }, 9);
    check(engine, { ...base, bBroadcast: true }, 10); // folded into one 57-row product
    check(engine, { ...base, bBroadcast: true, transA: true }, 11);
    check(engine, { ...base, aBroadcast: true, bBroadcast: true, transB: true }, 12);
    check(engine, { ...base, offsets: true, transA: true }, 13);
    check(engine, { ...base, offsets: true, bBroadcast: true }, 14);
    check(engine1, { ...base, offsets: true, aBroadcast: true, transB: true }, 15);
    check(engine, { batch: 2, m: 60, n: 130, k: 300, bBroadcast: true, transA: true }, 16);
  });

  it.runIf(supported)('a larger product on several threads', () => {
    check(engine, { m: 150, n: 260, k: 270 }, 17);
    check(engine, { m: 97, n: 200, k: 180, transA: true, offsets: true }, 18);
  });
});

describe('native sgemm, kernels agree', () => {
  it('the same product on each kernel', () => {
    const m = 37, n = 70, k = 300;
    const a = rand(m * k, 21), b = rand(k * n, 22);
    const results = available.map((kernel) => {
      const e = loadNativeGemm({ kernel, threads: 2 })!;
      const c = new Float32Array(m * n);
      e.sgemm({ batch: 1, m, n, k, a, aOffset: 0, aBatchStride: 0, b, bOffset: 0, bBatchStride: 0, transA: false, transB: false, c, cOffset: 0 });
      e.dispose();
      return c;
    });
    for (const c of results.slice(1)) {
      for (let i = 0; i < c.length; i++) expect(Math.abs(c[i]! - results[0]![i]!)).toBeLessThan(1e-4);
    }
  });
});
