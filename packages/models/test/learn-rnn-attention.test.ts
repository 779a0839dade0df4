/**
 * Learning test: `AttentionSeq2Seq` (Bahdanau, additive score) learns to reverse sequences
 * of 10 tokens to ≥ 99% whole-sequence accuracy, decoded by beam search. Trained by the
 * Trainer until greedy decoding gets all 200 dev sequences right.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Rng, type Heed } from '@heed/core';
import { AttentionSeq2Seq, createModel } from '../src/index.js';
import { testHeed } from './helpers.js';
import { BOS, EOS, PAD, UntilStopped, VOCAB, elapsed, reversalAccuracy, reversalBatches, reversalData } from './learn-rnn-helpers.js';
import { startClock, trainUntil } from './learn-rnn-helpers.js';

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
    {
      architectures: ['AttentionSeq2Seq'],
      src_vocab_size: VOCAB,
      tgt_vocab_size: VOCAB,
      embedding_size: 32,
      hidden_size: 32,
      bidirectional: true,
      attention: 'bahdanau',
      score: 'additive',
      pad_token_id: PAD,
      bos_token_id: BOS,
      eos_token_id: EOS,
    },
    { seed: 1 },
  );
  expect(model.attn.scoreName).toBe('additive');
  const dev = reversalData(new Rng(98), 200, LEN);
  const clock = startClock();
  const { steps } = await trainUntil(model, new UntilStopped(reversalBatches(2, 64, LEN)), {
    lr: 5e-3,
    every: 50,
    maxSteps: 1500,
    metric: async (m) => (await reversalAccuracy(m, dev.src, dev.tgt)).sequence,
    target: (acc) => acc === 1,
    log: (step, acc) => console.log(`[attention-seq2seq] step ${step}: greedy dev sequence accuracy ${(acc * 100).toFixed(1)}% (${elapsed(clock)})`),
  });
  model.eval();
  const test = reversalData(new Rng(99), 500, LEN);
  const acc = await reversalAccuracy(model, test.src, test.tgt, 4);
  console.log(
    `[attention-seq2seq] reverse 10 tokens: beam (k = 4) whole-sequence accuracy ${(acc.sequence * 100).toFixed(2)}%, ` +
      `token ${(acc.token * 100).toFixed(2)}% on 500 held-out sequences after ${steps} steps (${elapsed(clock)})`,
  );
  expect(acc.sequence).toBeGreaterThanOrEqual(0.99);
  model.dispose();
}, 600_000);
