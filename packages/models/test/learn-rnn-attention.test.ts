/**
 * Learning test: `AttentionSeq2Seq` (Bahdanau, additive score) learns to reverse sequences
 * of 10 tokens to ≥ 99% whole-sequence accuracy, decoded by beam search.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Adam, Rng, type Heed } from '@heed/core';
import { AttentionSeq2Seq, createModel } from '../src/index.js';
import { testHeed } from './helpers.js';
import { BOS, EOS, PAD, VOCAB, elapsed, reversalAccuracy, reversalData, startClock, trainStep } from './learn-rnn-helpers.js';

// CPU only: hundreds of training steps are far too slow on the software WebGPU adapter.
let heed: Heed;
beforeAll(async () => {
  heed = await testHeed('cpu');
});
afterAll(() => heed.dispose());

const LEN = 10;

it('AttentionSeq2Seq (Bahdanau, additive) reverses 10 tokens to ≥ 99% whole-sequence accuracy with beam search', async () => {
  const model = createModel<AttentionSeq2Seq>(
    heed,
    { architectures: ['AttentionSeq2Seq'], srcVocabSize: VOCAB, tgtVocabSize: VOCAB, embeddingSize: 32, hiddenSize: 64, bidirectional: true, attention: 'bahdanau', score: 'additive', padTokenId: PAD, bosTokenId: BOS, eosTokenId: EOS },
    { seed: 1 },
  );
  expect(model.attn.scoreName).toBe('additive');
  const opt = new Adam(5e-3);
  const rng = new Rng(2);
  const dev = reversalData(new Rng(98), 200, LEN);
  const clock = startClock();
  let steps = 0;
  for (; steps < 1500; ) {
    const { src, tgt } = reversalData(rng, 64, LEN);
    const loss = trainStep(heed, model, opt, src, tgt);
    steps++;
    if (steps % 50 === 0) {
      const acc = await reversalAccuracy(model, dev.src, dev.tgt);
      console.log(`[attention-seq2seq] step ${steps}: loss ${loss.toFixed(4)}, greedy sequence accuracy ${(acc.sequence * 100).toFixed(1)}% (${elapsed(clock)})`);
      if (acc.sequence >= 0.995) break;
    }
  }
  const test = reversalData(new Rng(99), 500, LEN);
  const acc = await reversalAccuracy(model, test.src, test.tgt, 4);
  console.log(`[attention-seq2seq] reverse 10 tokens: beam (k = 4) whole-sequence accuracy ${(acc.sequence * 100).toFixed(2)}%, token ${(acc.token * 100).toFixed(2)}% on 500 held-out sequences after ${steps} steps (${elapsed(clock)})`);
  expect(acc.sequence).toBeGreaterThanOrEqual(0.99);
  opt.dispose();
  model.dispose();
}, 600_000);
