/** Pre-training end to end: the data pipeline, masked positions and the Trainer teach a small BERT both objectives. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdamW, Rng, argmax, tensor, type Heed } from '@heed/core';
import {
  Trainer,
  createModel,
  maskTokens,
  nspExamples,
  pretrainingArrays,
  type BertForPreTraining,
  type HostBatch,
  type NspExample,
} from '../src/index.js';
import { testHeed } from './helpers.js';

let heed: Heed;
beforeAll(async () => {
  heed = await testHeed('cpu');
});
afterAll(() => heed.dispose());

const ids = { cls: 2, sep: 3, mask: 4, pad: 0 };
const V = 60;
const TOPICS = 10;

/** Documents about one topic each: every sentence draws its tokens from the topic's 5 ids. */
function documents(seed: number, n: number): number[][][] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, (_, d) => {
    const topic = d % TOPICS;
    return Array.from({ length: 3 + rng.int(4) }, () => Array.from({ length: 3 + rng.int(5) }, () => 10 + 5 * topic + rng.int(5)));
  });
}

function batches(examples: NspExample[], seed: number, size: number): HostBatch[] {
  const rng = new Rng(seed);
  const out: HostBatch[] = [];
  for (let i = 0; i + size <= examples.length; i += size) {
    const rows = examples
      .slice(i, i + size)
      .map((e) => ({ ...e, ...maskTokens(e.inputIds, rng, { vocabSize: V, maskId: ids.mask, specialIds: [0, 1, 2, 3, 4] }) }));
    const a = pretrainingArrays(rows, ids.pad);
    const shape = [a.rows, a.length];
    out.push({
      inputIds: { data: a.inputIds, shape },
      tokenTypeIds: { data: a.tokenTypeIds, shape },
      attentionMask: { data: a.attentionMask, shape },
      labels: { data: a.labels, shape },
      nextSentenceLabel: { data: a.nextSentenceLabel, shape: [a.rows] },
      maskedPositions: { data: a.maskedPositions, shape: [a.maskedPositions.length] },
    });
  }
  return out;
}

function accuracy(model: BertForPreTraining, data: HostBatch[]): { mlmInTopic: number; nsp: number } {
  let inTopic = 0;
  let masked = 0;
  let nspRight = 0;
  let pairs = 0;
  for (const b of data) {
    heed.engine.tidy(() => {
      const t = (k: string) => tensor(b[k]!.data, [...b[k]!.shape], undefined, { engine: heed.engine });
      const out = model.forward({
        inputIds: t('inputIds'),
        tokenTypeIds: t('tokenTypeIds'),
        attentionMask: t('attentionMask'),
        maskedPositions: t('maskedPositions'),
      });
      const pred = argmax(out.predictionLogits, -1).dataSync();
      b.maskedPositions!.data.forEach((p, i) => {
        const label = b.labels!.data[p]!;
        masked++;
        if (Math.floor((pred[i]! - 10) / 5) === Math.floor((label - 10) / 5)) inTopic++;
      });
      const nsp = argmax(out.seqRelationshipLogits, -1).dataSync();
      b.nextSentenceLabel!.data.forEach((l, i) => {
        pairs++;
        if (nsp[i] === l) nspRight++;
      });
    });
  }
  return { mlmInTopic: inTopic / masked, nsp: nspRight / pairs };
}

describe('BERT pre-training', () => {
  it('learns masked tokens (the topic of the context) and next-sentence order from the pipeline', async () => {
    const model = createModel<BertForPreTraining>(
      heed,
      {
        architectures: ['BertForPreTraining'],
        vocab_size: V,
        hidden_size: 32,
        num_hidden_layers: 2,
        num_attention_heads: 2,
        intermediate_size: 64,
        max_position_embeddings: 32,
      },
      { seed: 1 },
    );
    const train = nspExamples(documents(1, 400), { maxLength: 24, seed: 2, ids });
    const heldOut = batches(nspExamples(documents(9, 80), { maxLength: 24, seed: 3, ids }), 4, 32);
    model.eval();
    const before = accuracy(model, heldOut);
    const trainer = new Trainer(model, { optimizer: new AdamW(3e-3), maxSteps: 150, epochs: 100 });
    const result = await trainer.fit(batches(train, 5, 32));
    model.eval();
    const after = accuracy(model, heldOut);
    console.log(
      `pre-training: loss ${result.losses[0]!.toFixed(3)} -> ${result.losses.at(-1)!.toFixed(3)}; ` +
        `held-out MLM in-topic ${before.mlmInTopic.toFixed(3)} -> ${after.mlmInTopic.toFixed(3)}, ` +
        `NSP ${before.nsp.toFixed(3)} -> ${after.nsp.toFixed(3)}`,
    );
    expect(after.mlmInTopic).toBeGreaterThan(0.9);
    expect(after.nsp).toBeGreaterThan(0.8);
    expect(result.losses.at(-1)!).toBeLessThan(result.losses[0]! / 2);
    model.dispose();
  });
});
