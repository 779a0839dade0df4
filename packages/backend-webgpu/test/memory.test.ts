import { Adam, Engine, setEngine, crossEntropy, gather, layerNorm, matmul, add, mean, ones, randomVariable, Rng, tensor, variableGrads, zeros, zerosVariable, type MemoryInfo } from '@heed/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebGpuBackend } from '../src/index.js';

/**
 * 1,000 forward+backward+Adam steps of a small embedding classifier on the GPU: live
 * tensors, engine buffers and the backend's live GPU buffers/bytes stay flat, and the
 * buffer pool stops creating buffers after warm-up (every buffer is released on dispose
 * and reused).
 */
describe('webgpu memory over 1,000 training steps', () => {
  let backend: WebGpuBackend;
  let engine: Engine;
  beforeAll(async () => {
    backend = await WebGpuBackend.create();
    engine = new Engine(backend);
    setEngine(engine);
  });
  afterAll(() => {
    engine.dispose();
    setEngine(undefined);
  });

  it('keeps live buffers and bytes flat', async () => {
    const rng = new Rng(3);
    const opts = { engine };
    const [VOCAB, DIM, CLASSES, BATCH, LEN] = [20, 8, 3, 4, 5];
    const emb = randomVariable([VOCAB, DIM], 'emb', 0.5, rng);
    const w = randomVariable([DIM, CLASSES], 'w', 0.5, rng);
    const b = zerosVariable([CLASSES], 'b');
    const gamma = ones([DIM], 'float32', opts);
    const beta = zeros([DIM], 'float32', opts);
    const ids = tensor(Array.from({ length: BATCH * LEN }, (_, i) => (i * 7) % VOCAB), [BATCH, LEN], 'int32', opts);
    const labels = tensor([0, 1, 2, 1], [BATCH], 'int32', opts);
    const opt = new Adam(0.05);
    const vars = [emb, w, b];
    const step = (): void =>
      engine.tidy(() => {
        const { value, grads } = variableGrads(() => {
          const h = layerNorm(mean(gather(emb, ids, 0), 1), gamma, beta);
          return crossEntropy(add(matmul(h, w), b), labels);
        }, vars);
        opt.step(grads);
        value.dispose();
      });
    let first: MemoryInfo | undefined;
    let created = 0;
    let lossStart = 0;
    for (let i = 0; i < 1000; i++) {
      step();
      if (i === 9) {
        first = engine.memory();
        created = backend.rt.pool.created;
      }
      if (i % 100 === 99) await backend.sync(); // bound the queue; surfaces GPU errors
      if (i === 0) lossStart = await lossNow();
    }
    const last = engine.memory();
    expect(last.numTensors).toBe(first!.numTensors);
    expect(last.numDataBuffers).toBe(first!.numDataBuffers);
    expect(last.backend.buffers).toBe(first!.backend.buffers);
    expect(last.backend.bytes).toBe(first!.backend.bytes);
    expect(backend.rt.pool.created).toBe(created);
    expect(await lossNow()).toBeLessThan(lossStart);
    opt.dispose();
    for (const t of [emb, w, b, gamma, beta, ids, labels]) t.dispose();
    expect(engine.memory().backend.buffers).toBe(0);
    expect(engine.memory().backend.bytes).toBe(0);

    async function lossNow(): Promise<number> {
      const l = engine.tidy(() => crossEntropy(add(matmul(layerNorm(mean(gather(emb, ids, 0), 1), gamma, beta), w), b), labels));
      const v = (await l.data())[0]!;
      l.dispose();
      return v;
    }
  });
});
