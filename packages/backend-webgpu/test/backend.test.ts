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

describe('webgpu long rows', () => {
  it('softmax and logSoftmax over rows of 1,000 (one workgroup per row) match the CPU backend', async () => {
    const gpu = new Engine(await WebGpuBackend.create());
    const cpu = new Engine(new CpuBackend({ threads: 1 }));
    const vals = rand(3 * 1000, 21).map((v) => v * 20);
    for (const f of [softmax, logSoftmax]) {
      const want = await f(tensor(vals, [3, 1000], 'float32', { engine: cpu })).data();
      const got = await f(tensor(vals, [3, 1000], 'float32', { engine: gpu })).data();
      for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-6 + 1e-5 * Math.abs(want[i]!));
    }
    gpu.dispose();
    cpu.dispose();
  });
});
