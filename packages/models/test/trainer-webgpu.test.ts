/** The Trainer on WebGPU: the same loop (async loss reads, fused cross-entropy with ignored padding) learns, and leaks nothing. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdamW, crossEntropy, tensor, valueAndGradsOf, type Heed } from '@heed/core';
import { Trainer } from '../src/index.js';
import { Tagger, sequences, tagAccuracy, tagData } from './training-helpers.js';
import { testHeed } from './helpers.js';

const V = 16;
let heed: Heed;
beforeAll(async () => {
  heed = await testHeed('webgpu');
});
afterAll(() => heed.dispose());

describe('Trainer on WebGPU', () => {
  it('learns the tagging task with accumulation and clipping; engine memory is flat between runs', async () => {
    const model = new Tagger({ vocab: V, hidden: 16, dropout: 0.1 }, { seed: 3, engine: heed.engine });
    const data = tagData(sequences(120, V, 4), V, 96, 5);
    const opt = new AdamW(0.03);
    const r = await new Trainer(model, { optimizer: opt, maxSteps: 60, accumulate: 2, clipNorm: 1 }).fit(data);
    const before = heed.memory();
    const more = await new Trainer(model, { optimizer: opt, maxSteps: 30, accumulate: 2, clipNorm: 1 }).fit(data);
    const after = heed.memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
    model.eval();
    const acc = await tagAccuracy(model, sequences(60, V, 6));
    const first = r.losses.slice(0, 3).reduce((a, b) => a + b) / 3;
    const last = more.losses.slice(-5).reduce((a, b) => a + b) / 5;
    console.log(`[trainer] webgpu: loss ${first.toFixed(3)} -> ${last.toFixed(3)}, held-out token accuracy ${(acc * 100).toFixed(1)}%`);
    expect(last).toBeLessThan(first * 0.2);
    expect(acc).toBeGreaterThan(0.95);
    opt.dispose();
    model.dispose();
  });

  it('the fused cross-entropy gradient (a workgroup per row for 3 × 1000, a thread per row for 40 × 300) matches a float64 reference', async () => {
    for (const [rows, cols] of [[3, 1000], [40, 300]] as const) {
      const x = Array.from({ length: rows * cols }, (_, i) => Math.sin(i * 0.37) * 5);
      const y = Array.from({ length: rows }, (_, r) => (r % 3 === 1 ? -100 : (r * 131) % cols));
      const logits = tensor(x, [rows, cols]);
      const labels = tensor(y, [rows], 'int32');
      const eps = 0.1;
      const { value, grads } = valueAndGradsOf(() => crossEntropy(logits, labels, { labelSmoothing: eps }), [logits]);
      const got = await grads[0]!.data();
      const kept = y.filter((l) => l !== -100).length;
      let worst = 0;
      for (let r = 0; r < rows; r++) {
        const row = x.slice(r * cols, (r + 1) * cols);
        const m = Math.max(...row);
        const z = row.reduce((a, v) => a + Math.exp(v - m), 0);
        for (let j = 0; j < cols; j++) {
          const want = y[r] === -100 ? 0 : (Math.exp(row[j]! - m) / z - (eps / cols + (j === y[r] ? 1 - eps : 0))) / kept;
          worst = Math.max(worst, Math.abs(got[r * cols + j]! - want));
        }
      }
      expect(worst).toBeLessThan(1e-6);
      for (const t of [value, grads[0]!, logits, labels]) t.dispose();
    }
  });
});
