/** The Trainer on WebGPU: the same loop (async loss reads, fused cross-entropy with ignored padding) learns, and leaks nothing. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdamW, type Heed } from '@heed/core';
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
});
