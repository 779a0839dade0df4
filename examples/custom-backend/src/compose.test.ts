// Steps 3 and 5 of writing a backend: register it, select it by name, and check it
// against a backend you trust on a real computation.
import { afterEach, describe, expect, it } from 'vitest';
import { createHeed, Engine, matmul, PluginNotFoundError, registeredBackends, softmax, tensor, type Heed } from '@heed/core';
import { cpuBackendModule } from '@heed/backend-cpu';
import { CountingBackend } from './counting-backend.js';
import { Float64Backend } from './float64-backend.js';
import { countingCpuModule, float64Module } from './module.js';
import { maxGradDiff, trainStep } from './train-step.js';

const plugins = [cpuBackendModule, float64Module, countingCpuModule];
const opened: Heed[] = [];

async function open(backend: string): Promise<Heed> {
  const heed = await createHeed({ plugins, backend });
  opened.push(heed);
  return heed;
}

afterEach(() => {
  // Disposing releases the CPU backend's worker threads.
  for (const h of opened.splice(0)) h.dispose();
});

/** softmax(a·b) on `heed`'s backend, read back. */
async function matmulSoftmax(heed: Heed): Promise<Float32Array> {
  const a = tensor([1, 2, 3, 4, 5, 6], [2, 3], 'float32', { engine: heed.engine });
  const b = tensor([0.1, -0.2, 0.3, 0.4, -0.5, 0.6], [3, 2], 'float32', { engine: heed.engine });
  const y = heed.tidy(() => softmax(matmul(a, b)));
  const out = (await y.data()) as Float32Array;
  for (const t of [a, b, y]) t.dispose();
  return out;
}

describe('composing the custom backends', () => {
  it('selects each registered backend by name', async () => {
    for (const name of ['cpu', 'float64', 'counting-cpu']) {
      const heed = await open(name);
      expect(heed.backendName).toBe(name);
    }
    const heed = await open('float64');
    expect(registeredBackends(heed.container).map((r) => r.name)).toEqual(['cpu', 'float64', 'counting-cpu']);
  });

  it('without a name, picks the highest priority (cpu), not the reference backend', async () => {
    const heed = await createHeed({ plugins });
    opened.push(heed);
    expect(heed.backendName).toBe('cpu');
  });

  it('an unknown name fails with PluginNotFoundError listing every registered backend', async () => {
    const err = await createHeed({ plugins, backend: 'tpu' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PluginNotFoundError);
    const e = err as PluginNotFoundError;
    expect(e.requested).toBe('tpu');
    expect([...e.registered].sort()).toEqual(['counting-cpu', 'cpu', 'float64']);
    for (const name of ['"cpu"', '"float64"', '"counting-cpu"']) expect(e.message).toContain(name);
  });

  it('counting-cpu counts the fused kernels the CPU backend provides', async () => {
    const heed = await open('counting-cpu');
    const backend = heed.engine.backend as CountingBackend;
    expect(backend).toBeInstanceOf(CountingBackend);
    await matmulSoftmax(heed);
    expect(backend.counts).toEqual({ matmul: 1, softmax: 1 });
  });

  it('counting over float64 shows core running the softmax composite on primitives', async () => {
    // No container needed to try a backend: an Engine over it is enough (the kit does the same).
    const counting = new CountingBackend(new Float64Backend());
    const engine = new Engine(counting);
    const a = tensor([1, 2, 3, 4, 5, 6], [2, 3], 'float32', { engine });
    const b = tensor([0.1, -0.2, 0.3, 0.4, -0.5, 0.6], [3, 2], 'float32', { engine });
    const y = engine.tidy(() => softmax(matmul(a, b)));
    // softmax(x) = exp(x − max x) / Σ exp(x − max x): five primitive kernels.
    expect(counting.counts).toEqual({ matmul: 1, 'reduce:max': 1, 'binary:sub': 1, 'unary:exp': 1, 'reduce:sum': 1, 'binary:div': 1 });
    for (const t of [a, b, y]) t.dispose();
    expect(engine.memory().backend.buffers).toBe(0);
  });

  it('float64 and cpu agree on softmax(a·b) and on a training step’s gradients to ~1e-5', async () => {
    const ref = await open('float64');
    const cpu = await open('cpu');
    const [p64, p32] = [await matmulSoftmax(ref), await matmulSoftmax(cpu)];
    for (let i = 0; i < p64.length; i++) expect(Math.abs(p64[i]! - p32[i]!)).toBeLessThan(1e-6);

    const s64 = await trainStep(ref);
    const s32 = await trainStep(cpu);
    expect(Math.abs(s64.loss - s32.loss)).toBeLessThan(1e-5);
    expect(maxGradDiff(s64, s32)).toBeLessThan(1e-5);
    // Sanity: the gradients are not trivially zero.
    expect(Math.max(...s64.grads.w1.map(Math.abs))).toBeGreaterThan(1e-3);
    // Nothing leaked on either backend.
    expect(ref.memory().backend.buffers).toBe(0);
    expect(cpu.memory().numTensors).toBe(0);
  });
});
