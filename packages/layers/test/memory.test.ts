/** Layers free their intermediates: live tensors stay flat across training steps and decoding. */
import { expect, it } from 'vitest';
import { Adam, add, mean, randomNormal, square, tensor, variableGrads } from '@heed/core';
import { GRU, LSTM, TransformerDecoder, TransformerEncoder } from '../src/index.js';
import { forEachBackend } from './helpers.js';

forEachBackend((_backend, getHeed) => {
  it('live tensors stay flat over training steps and cached decoding', () => {
    const heed = getHeed();
    const lstm = new LSTM(4, 6, { bidirectional: true, numLayers: 2, dropout: 0.2, seed: 1 });
    const gru = new GRU(12, 4, { linearBeforeReset: false, seed: 2 });
    const enc = new TransformerEncoder(2, { dModel: 8, numHeads: 2, dFF: 16, dropout: 0.1, seed: 3 });
    const dec = new TransformerDecoder(2, { dModel: 8, numHeads: 2, dFF: 16, dropout: 0.1, norm: 'pre', seed: 4 });
    const params = [lstm, gru, enc, dec].flatMap((m) => m.trainableParameters());
    const x = randomNormal([5, 3, 4], 0, 1, { seed: 5 });
    const src = randomNormal([3, 5, 8], 0, 1, { seed: 6 });
    const keyMask = tensor([[true, true, true, true, true], [true, true, true, false, false], [true, false, false, false, false]]);
    const opt = new Adam(1e-3);
    const step = (): void =>
      heed.tidy(() => {
        const { value, grads } = variableGrads(() => {
          const h = lstm.forward(x, { lengths: [5, 3, 1] }).output;
          const g = gru.forward(h, { lengths: [5, 3, 1] }).h;
          const memory = enc.forward(src, { keyMask });
          const y = dec.forward(src, memory, { memoryKeyMask: keyMask });
          return add(mean(square(y)), mean(square(g)));
        }, params);
        opt.step(grads);
        value.dispose();
      });
    step(); // optimizer state is created on the first step
    const before = heed.memory().numTensors;
    for (let i = 0; i < 5; i++) step();
    expect(heed.memory().numTensors).toBe(before);
    dec.eval();
    const cache = dec.createCache();
    heed.tidy(() => {
      const memory = enc.forward(src);
      for (let t = 0; t < 4; t++) dec.forward(randomNormal([3, 1, 8]), memory, { cache });
    });
    for (const c of cache) {
      c.self.dispose();
      c.cross.dispose();
    }
    expect(heed.memory().numTensors).toBe(before);
    opt.dispose();
  });
});
