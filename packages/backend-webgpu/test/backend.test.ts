import { CpuBackend, cpuBackendModule } from '@heed/backend-cpu';
import { BackendError, Engine, add, createHeed, crossEntropy, exp, gather, gelu, gruCell, layerNorm, logSoftmax, lstmCell, matmul, scaledDotProductAttention, scatterAdd, softmax, sum, tensor, type Tensor } from '@heed/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebGpuBackend, sizeClass, webgpuBackendModule, webgpuBackendModuleWith } from '../src/index.js';

function rand(n: number, seed: number): number[] {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  });
}

describe('webgpu backend specifics', () => {
  let blocked: WebGpuBackend;
  let tiled: WebGpuBackend;
  let eb: Engine;
  let et: Engine;
  let cpu: Engine;
  beforeAll(async () => {
    blocked = await WebGpuBackend.create({ matmulKernel: 'blocked' });
    tiled = await WebGpuBackend.create({ matmulKernel: 'tiled' });
    eb = new Engine(blocked);
    et = new Engine(tiled);
    cpu = new Engine(new CpuBackend({ threads: 1 }));
  });
  afterAll(() => {
    for (const e of [eb, et, cpu]) e.dispose();
  });

  it('picks the register-blocked matmul on the software adapter by default', async () => {
    const b = await WebGpuBackend.create();
    expect(b.info.software).toBe(true);
    expect(b.matmulKernel).toBe('blocked');
    b.dispose();
  });

  it('blocked (scalar and vec4) and tiled matmul kernels agree with the CPU backend (transposes, batch broadcast, ragged edges)', async () => {
    const cases: [number[], number[], boolean, boolean][] = [
      [[37, 45], [45, 29], false, false],
      [[45, 37], [45, 29], true, false],
      [[37, 45], [29, 45], false, true],
      [[45, 37], [29, 45], true, true],
      [[3, 1, 17, 33], [2, 33, 9], false, false],
      [[64, 64], [64, 64], false, false],
      [[45, 37], [45, 28], true, false],
      [[3, 1, 17, 33], [2, 33, 12], false, false],
      [[2, 9, 5], [5, 4], false, false],
      [[5, 0], [0, 4], false, false],
    ];
    for (const [as, bs, ta, tb] of cases) {
      const av = rand(as.reduce((x, y) => x * y, 1), 1);
      const bv = rand(bs.reduce((x, y) => x * y, 1), 2);
      const run = (engine: Engine): Tensor => matmul(tensor(av, as, 'float32', { engine }), tensor(bv, bs, 'float32', { engine }), { transA: ta, transB: tb });
      const want = await run(cpu).data();
      for (const e of [eb, et]) {
        const got = await run(e).data();
        expect(got.length).toBe(want.length);
        for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-5 + 1e-5 * Math.abs(want[i]!));
      }
    }
  });

  it('gather yields zeros for out-of-range indices and scatterAdd skips them (documented GPU behaviour)', async () => {
    const x = tensor([1, 2, 3, 4, 5, 6], [3, 2], 'float32', { engine: eb });
    const idx = tensor([2, -1, 3, 0], [4], 'int32', { engine: eb });
    expect(Array.from(await gather(x, idx, 0).data())).toEqual([5, 6, 0, 0, 0, 0, 1, 2]);
    const upd = tensor([1, 1, 2, 2, 3, 3, 4, 4], [4, 2], 'float32', { engine: eb });
    expect(Array.from(await scatterAdd(idx, upd, [3, 2], 0).data())).toEqual([4, 4, 0, 0, 1, 1]);
  });

  it('caches pipelines per shader and shape class and reuses pooled buffers', async () => {
    const run = async (n: number): Promise<void> => {
      const a = tensor(rand(n * 3, 3), [n, 3], 'float32', { engine: eb });
      const b = tensor(rand(3, 4), [3], 'float32', { engine: eb });
      const c = eb.tidy(() => sum(exp(add(a, b)), 1));
      await c.data();
      for (const t of [a, b, c]) t.dispose();
    };
    await run(11);
    const pipelines = blocked.info.pipelines;
    const created = blocked.rt.pool.created;
    await run(12);
    await run(13);
    expect(blocked.info.pipelines).toBe(pipelines);
    expect(blocked.rt.pool.created).toBe(created);
    expect(sizeClass(40)).toBe(64);
    expect(sizeClass(5000)).toBeLessThanOrEqual(5000 * 1.125);
  });

  it('runs the fused ops as fused kernels (dispatches per op)', () => {
    const o = { engine: eb };
    const x = tensor(rand(12, 5), [3, 4], 'float32', o);
    const g = tensor(rand(4, 6), [4], 'float32', o);
    const labels = tensor([0, 3, 1], [3], 'int32', o);
    const q = tensor(rand(24, 7), [1, 2, 3, 4], 'float32', o);
    const h = tensor(rand(6, 8), [3, 2], 'float32', o);
    const w4 = tensor(rand(32, 9), [4, 8], 'float32', o);
    const r4 = tensor(rand(16, 10), [2, 8], 'float32', o);
    const b4 = tensor(rand(8, 11), [8], 'float32', o);
    const w3 = tensor(rand(24, 12), [4, 6], 'float32', o);
    const r3 = tensor(rand(12, 13), [2, 6], 'float32', o);
    const b3 = tensor(rand(6, 14), [6], 'float32', o);
    const count = (f: () => unknown): number => {
      const before = blocked.rt.dispatches;
      eb.tidy(() => void f());
      return blocked.rt.dispatches - before;
    };
    expect(count(() => softmax(x))).toBe(1);
    expect(count(() => logSoftmax(x))).toBe(1);
    expect(count(() => layerNorm(x, g, g))).toBe(1);
    expect(count(() => gelu(x))).toBe(1);
    expect(count(() => crossEntropy(x, labels, { reduction: 'none' }))).toBe(1);
    expect(count(() => scaledDotProductAttention(q, q, q, { causal: true }))).toBe(3);
    expect(count(() => lstmCell(x, h, h, w4, r4, b4))).toBe(3);
    expect(count(() => gruCell(x, h, w3, r3, b3, b3))).toBe(3);
    for (const t of [x, g, labels, q, h, w4, r4, b4, w3, r3, b3]) t.dispose();
  });

  it('an upload into a reused buffer does not overtake pending kernels that read its old contents', async () => {
    const o = { engine: eb };
    const a = tensor([1, 2, 3, 4], [4], 'float32', o);
    const y = exp(a); // encoded, not yet submitted
    a.dispose(); // a's buffer goes back to the pool...
    const c = tensor([9, 9, 9, 9], [4], 'float32', o); // ...and is reused here
    const got = Array.from(await y.data());
    [1, 2, 3, 4].forEach((v, i) => expect(got[i]).toBeCloseTo(Math.exp(v), 4));
    expect(Array.from(await c.data())).toEqual([9, 9, 9, 9]);
    y.dispose();
    c.dispose();
  });

  it('has no synchronous read, and dataSync says so', () => {
    expect((blocked as { readSync?: unknown }).readSync).toBeUndefined();
    const x = tensor([1], [1], 'float32', { engine: eb });
    expect(() => x.dataSync()).toThrow(BackendError);
    x.dispose();
  });

  it('raises GPU validation errors as BackendError', async () => {
    const b = await WebGpuBackend.create();
    b.rt.pipeline('broken', () => 'this is not WGSL');
    await expect(b.sync()).rejects.toThrow(BackendError);
    await expect(b.sync()).resolves.toBeUndefined();
    b.dispose();
  });

  it('registers as "webgpu" above cpu, and falls back to cpu when there is no adapter', async () => {
    const heed = await createHeed({ plugins: [cpuBackendModule, webgpuBackendModule], setActive: false });
    expect(heed.backendName).toBe('webgpu');
    heed.dispose();
    const none = webgpuBackendModuleWith({ providers: [{ name: 'nothing', gpu: async () => undefined }] });
    const fallback = await createHeed({ plugins: [cpuBackendModule, none], setActive: false });
    expect(fallback.backendName).toBe('cpu');
    fallback.dispose();
    await expect(createHeed({ plugins: [none], backend: 'webgpu', setActive: false })).rejects.toThrow(/no WebGPU adapter/);
  });
});

describe('webgpu row kernels, long and short rows', () => {
  const variants: [string, Parameters<typeof WebGpuBackend.create>[0]][] = [
    ['auto', {}],
    ['thread per row', { rowKernel: 'thread' }],
    ['workgroup per row, subgroups', { rowKernel: 'workgroup' }],
    ['workgroup per row, shared-memory tree', { rowKernel: 'workgroup', subgroups: false }],
  ];
  let cpu: Engine;
  const engines: Engine[] = [];
  const backends: WebGpuBackend[] = [];
  beforeAll(async () => {
    cpu = new Engine(new CpuBackend({ threads: 1 }));
    for (const [, o] of variants) {
      const b = await WebGpuBackend.create(o);
      backends.push(b);
      engines.push(new Engine(b));
    }
  });
  afterAll(() => {
    for (const e of [cpu, ...engines]) e.dispose();
  });

  const close = (got: ArrayLike<number>, want: ArrayLike<number>, what: string): void => {
    expect(got.length, what).toBe(want.length);
    let worst = 0;
    let at = -1;
    for (let i = 0; i < want.length; i++) {
      const excess = Math.abs(got[i]! - want[i]!) - (1e-6 + 1e-5 * Math.abs(want[i]!));
      if (!(excess <= worst)) {
        worst = excess;
        at = i;
      }
    }
    expect(at, `${what}: element ${at} is ${got[at]}, want ${want[at]}`).toBe(-1);
  };

  it('uses subgroup reductions on this adapter (it has the subgroups feature) unless told not to', () => {
    expect(backends[0]!.subgroups).toBe(true);
    expect(backends[3]!.subgroups).toBe(false);
  });

  /** Float64 references of the row ops (on the float32-rounded inputs, as the conformance kit does). */
  function reference(op: string, x: Float32Array, r: number, c: number, g: Float32Array, be: Float32Array, labels: number[]): number[] {
    const out: number[] = [];
    for (let i = 0; i < r; i++) {
      const row = Array.from(x.subarray(i * c, (i + 1) * c));
      if (op === 'layerNorm') {
        const mu = row.reduce((a, v) => a + v, 0) / c;
        const inv = 1 / Math.sqrt(row.reduce((a, v) => a + (v - mu) ** 2, 0) / c + 1e-5);
        row.forEach((v, j) => out.push((v - mu) * inv * g[j]! + be[j]!));
        continue;
      }
      const m = Math.max(...row);
      const s = row.reduce((a, v) => a + Math.exp(v - m), 0);
      if (op === 'softmax') row.forEach((v) => out.push(Math.exp(v - m) / s));
      else if (op === 'logSoftmax') row.forEach((v) => out.push(v - m - Math.log(s)));
      else out.push(Math.log(s) - (row[labels[i]!]! - m));
    }
    return out;
  }

  it('softmax, logSoftmax, layerNorm and crossEntropy match float64 on 128×3072, rows of 10,000, 300 and short rows, confident rows included', async () => {
    const shapes: [number, number][] = [[128, 3072], [2, 10000], [3, 300], [6, 255], [5, 7], [4, 1], [65600, 2]];
    for (const [r, c] of shapes) {
      // noise of ±10 with a logit 30 above it at the start of every row: log-softmax and
      // cross-entropy of that entry are ≈ −Σ exp(x − m), far below 1 (catches log(1 + tiny) in f32)
      const vals = Float32Array.from(rand(r * c, 21 + c), (v, i) => v * 20 + (i % c === 0 ? 30 : 0));
      const g = Float32Array.from(rand(c, 22), (v) => 1 + v);
      const be = Float32Array.from(rand(c, 23));
      const labels = Array.from({ length: r }, (_, i) => (i % 3 === 0 ? 0 : (i * 7919) % c));
      const ops: [string, (e: Engine) => Tensor][] = [
        ['softmax', (e) => softmax(tensor(vals, [r, c], 'float32', { engine: e }))],
        ['logSoftmax', (e) => logSoftmax(tensor(vals, [r, c], 'float32', { engine: e }))],
        ['layerNorm', (e) => layerNorm(tensor(vals, [r, c], 'float32', { engine: e }), tensor(g, [c], 'float32', { engine: e }), tensor(be, [c], 'float32', { engine: e }), 1e-5)],
        ['crossEntropy', (e) => crossEntropy(tensor(vals, [r, c], 'float32', { engine: e }), tensor(labels, [r], 'int32', { engine: e }), { reduction: 'none' })],
      ];
      for (const [name, f] of ops) {
        // more rows than one grid dimension holds: workgroups fold into y, the padding ones idle
        // (one op is enough: forcing a workgroup per 2-element row is slow on a CPU driver)
        if (r > 65535 && name !== 'crossEntropy') continue;
        const want = reference(name, vals, r, c, g, be, labels);
        for (let v = 0; v < variants.length; v++) {
          const e = engines[v]!;
          const out = e.tidy(() => f(e));
          close(await out.data(), want, `${name} ${r}×${c} (${variants[v]![0]})`);
          out.dispose();
        }
      }
    }
  });

  it('the attention softmax matches the CPU backend on long and short key rows, with masks, causal limit and fully masked rows', async () => {
    const cases: { q: number[]; tk: number; causal: boolean; mask?: (bi: number, hi: number, i: number, j: number) => boolean }[] = [
      { q: [1, 2, 5, 8], tk: 1000, causal: false },
      { q: [2, 1, 4, 8], tk: 300, causal: true },
      { q: [2, 2, 3, 4], tk: 777, causal: false, mask: (bi, _hi, i, j) => (j * 3 + i + bi) % 5 !== 0 && !(bi === 1 && i === 2) },
      { q: [1, 2, 3, 4], tk: 6, causal: true, mask: (_bi, hi, i) => !(hi === 1 && i === 0) },
    ];
    for (const { q: qs, tk, causal, mask } of cases) {
      const [b, h, tq, d] = qs as [number, number, number, number];
      const qv = rand(b * h * tq * d, 31).map((v) => v * 4);
      const kv = rand(b * h * tk * d, 32).map((v) => v * 4);
      const vv = rand(b * h * tk * d, 33);
      const mv: number[] = [];
      if (mask) for (let bi = 0; bi < b; bi++) for (let hi = 0; hi < h; hi++) for (let i = 0; i < tq; i++) for (let j = 0; j < tk; j++) mv.push(mask(bi, hi, i, j) ? 1 : 0);
      const run = (e: Engine): Tensor => {
        const o = { engine: e };
        return scaledDotProductAttention(tensor(qv, [b, h, tq, d], 'float32', o), tensor(kv, [b, h, tk, d], 'float32', o), tensor(vv, [b, h, tk, d], 'float32', o), {
          causal,
          ...(mask ? { mask: tensor(mv, [b, h, tq, tk], 'bool', o) } : {}),
        });
      };
      const want = await cpu.tidy(() => run(cpu)).data();
      for (let v = 0; v < variants.length; v++) {
        const e = engines[v]!;
        const out = e.tidy(() => run(e));
        close(await out.data(), want, `attention ${qs.join('×')} tk ${tk} (${variants[v]![0]})`);
        out.dispose();
      }
    }
  });
});

describe('webgpu tiled matmul (the kernel real GPUs get) under attention, LSTM and GRU', () => {
  it('matches the CPU backend on batched, transposed and odd shapes and through the fused ops that run on it', async () => {
    const tiled = await WebGpuBackend.create({ matmulKernel: 'tiled' });
    expect(tiled.matmulKernel).toBe('tiled');
    const et = new Engine(tiled);
    const cpu = new Engine(new CpuBackend({ threads: 1 }));
    const cases: [number[], number[], boolean, boolean][] = [
      [[2, 3, 33, 65], [2, 3, 65, 31], false, false],
      [[4, 1, 70, 19], [3, 70, 41], true, false],
      [[5, 67, 97], [5, 33, 97], false, true],
      [[1, 1], [1, 1], true, true],
      [[129, 1], [1, 130], false, false],
      [[31, 200], [200, 1], false, false],
    ];
    for (const [as, bs, ta, tb] of cases) {
      const av = rand(as.reduce((x, y) => x * y, 1), 41);
      const bv = rand(bs.reduce((x, y) => x * y, 1), 42);
      const run = (e: Engine): Tensor => e.tidy(() => matmul(tensor(av, as, 'float32', { engine: e }), tensor(bv, bs, 'float32', { engine: e }), { transA: ta, transB: tb }));
      const want = await run(cpu).data();
      const got = await run(et).data();
      expect(got.length).toBe(want.length);
      for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!), `${as}·${bs} ${ta} ${tb} at ${i}`).toBeLessThan(1e-5 + 1e-5 * Math.abs(want[i]!));
    }
    // attention (q·kᵀ with transB, then P·v), LSTM and GRU cells on odd sizes
    const fusedCases: [string, (e: Engine) => Tensor][] = [
      ['attention', (e) => {
        const o = { engine: e };
        return scaledDotProductAttention(tensor(rand(2 * 3 * 17 * 9, 51), [2, 3, 17, 9], 'float32', o), tensor(rand(2 * 3 * 45 * 9, 52), [2, 3, 45, 9], 'float32', o), tensor(rand(2 * 3 * 45 * 11, 53), [2, 3, 45, 11], 'float32', o), { causal: true });
      }],
      ['lstm', (e) => {
        const o = { engine: e };
        const [hOut, cOut] = lstmCell(tensor(rand(5 * 13, 54), [5, 13], 'float32', o), tensor(rand(5 * 7, 55), [5, 7], 'float32', o), tensor(rand(5 * 7, 56), [5, 7], 'float32', o), tensor(rand(13 * 28, 57), [13, 28], 'float32', o), tensor(rand(7 * 28, 58), [7, 28], 'float32', o), tensor(rand(28, 59), [28], 'float32', o));
        return add(hOut, cOut);
      }],
      ['gru', (e) => {
        const o = { engine: e };
        return gruCell(tensor(rand(3 * 37, 60), [3, 37], 'float32', o), tensor(rand(3 * 33, 61), [3, 33], 'float32', o), tensor(rand(37 * 99, 62), [37, 99], 'float32', o), tensor(rand(33 * 99, 63), [33, 99], 'float32', o), tensor(rand(99, 64), [99], 'float32', o), tensor(rand(99, 65), [99], 'float32', o));
      }],
    ];
    for (const [name, f] of fusedCases) {
      const want = await cpu.tidy(() => f(cpu)).data();
      const got = await et.tidy(() => f(et)).data();
      for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!), `${name} at ${i}`).toBeLessThan(1e-5 + 1e-5 * Math.abs(want[i]!));
    }
    et.dispose();
    cpu.dispose();
  });
});
