/**
 * A short version of the demo: AttentionSeq2Seq with the user's bilinear-tanh scorer
 * trains on the first English–French pairs (the loss falls), translates by beam search
 * with attention weights over the source, and saves and reloads through the user's module.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PluginNotFoundError, createHeed, type Heed } from '@heed/core';
import { cpuBackendModule } from '@heed/backend-cpu';
import { layersModule } from '@heed/layers';
import { batchToTensors, modelsModule, type AttentionSeq2Seq, type Seq2SeqBatch } from '@heed/models';
import { loadModel } from '@heed/models/node';
import { readPairs, toBatches } from '../src/data.js';
import { customAttentionModule } from '../src/module.js';
import { buildTranslator, train, translate } from '../src/translate.js';

let heed: Heed;
beforeAll(async () => {
  heed = await createHeed({ plugins: [cpuBackendModule, layersModule, modelsModule, customAttentionModule()], setActive: true });
});
afterAll(() => heed.dispose());

it('trains on fra-eng pairs with the user scorer, translates with attention, saves and reloads', async () => {
  const start = performance.now();
  const pairs = await readPairs(320, 6);
  expect(pairs.length).toBe(320);
  const t = buildTranslator(heed, pairs, { hiddenSize: 32, dropout: 0 }, 1);
  expect(t.model.attn.scoreName).toBe('bilinear-tanh');
  expect(t.model.stateDict().has('attn.score.Wq')).toBe(true);
  const result = await train(t, pairs, { steps: 60, batchSize: 32, lr: 1e-2 });
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  const first = mean(result.losses.slice(0, 5));
  const last = mean(result.losses.slice(-5));
  const seconds = ((performance.now() - start) / 1000).toFixed(1);
  console.log(`[custom-attention] 60 steps on ${pairs.length} pairs: loss ${first.toFixed(3)} → ${last.toFixed(3)} in ${seconds} s`);
  expect(last).toBeLessThan(0.6 * first);

  const [go] = await translate(t, ['go .']);
  expect(go!.attention.length).toBe(go!.words.length + 1);
  for (const row of go!.attention) {
    expect(row.length).toBe(2);
    expect(row[0]! + row[1]!).toBeCloseTo(1, 5);
  }

  const dir = await mkdtemp(join(tmpdir(), 'heed-custom-attention-'));
  await t.model.save(dir);
  const reloaded = await loadModel<AttentionSeq2Seq>(heed, dir);
  const batch = toBatches(pairs.slice(0, 8), t.src, t.tgt, 8)[0]!;
  const logits = async (m: AttentionSeq2Seq): Promise<number[]> => {
    const out = heed.tidy(() => m.forward(batchToTensors(batch, heed.engine) as Seq2SeqBatch).logits);
    const v = Array.from(await out.data());
    out.dispose();
    return v;
  };
  expect(await logits(reloaded)).toEqual(await logits(t.model));
  reloaded.dispose();

  const plain = await createHeed({ plugins: [cpuBackendModule, layersModule, modelsModule] });
  await expect(loadModel(plain, dir)).rejects.toThrow(PluginNotFoundError);
  plain.dispose();
  t.model.dispose();
}, 300_000);
