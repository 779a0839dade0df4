/**
 * Learning test: plain `Seq2Seq` (fixed context vector) reaches ≥ 95% token accuracy
 * reversing 6 tokens. Trained by the Trainer until greedy dev token accuracy is ≥ 97.5%.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Rng, type Heed } from '@heed/core';
import { Seq2Seq, createModel } from '../src/index.js';
import { testHeed } from './helpers.js';
import { BOS, EOS, PAD, UntilStopped, VOCAB, elapsed, reversalAccuracy, reversalBatches, reversalData } from './learn-rnn-helpers.js';
import { startClock, trainUntil } from './learn-rnn-helpers.js';

// CPU only: hundreds of training steps are far too slow on the software WebGPU adapter.
let heed: Heed;
beforeAll(async () => {
  heed = await testHeed('cpu');
});
afterAll(() => heed.dispose());

const LEN = 6;

it('Seq2Seq (bidirectional GRU, context on every decoder input) reverses 6 tokens to ≥ 95% token accuracy', async () => {
  const model = createModel<Seq2Seq>(
    heed,
    {
      architectures: ['Seq2Seq'],
      src_vocab_size: VOCAB,
      tgt_vocab_size: VOCAB,
      embedding_size: 32,
      hidden_size: 32,
      bidirectional: true,
      pad_token_id: PAD,
      bos_token_id: BOS,
      eos_token_id: EOS,
    },
    { seed: 1 },
  );
  const dev = reversalData(new Rng(98), 200, LEN);
  const clock = startClock();
  const { steps } = await trainUntil(model, new UntilStopped(reversalBatches(2, 64, LEN)), {
    lr: 5e-3,
    every: 50,
    maxSteps: 2000,
    metric: async (m) => (await reversalAccuracy(m, dev.src, dev.tgt)).token,
    target: (acc) => acc >= 0.975,
    log: (step, acc) => console.log(`[seq2seq] step ${step}: greedy dev token accuracy ${(acc * 100).toFixed(1)}% (${elapsed(clock)})`),
  });
  model.eval();
  const test = reversalData(new Rng(99), 500, LEN);
  const acc = await reversalAccuracy(model, test.src, test.tgt);
  console.log(
    `[seq2seq] reverse 6 tokens: greedy token accuracy ${(acc.token * 100).toFixed(2)}%, whole-sequence ${(acc.sequence * 100).toFixed(2)}% ` +
      `on 500 held-out sequences after ${steps} steps (${elapsed(clock)})`,
  );
  expect(acc.token).toBeGreaterThanOrEqual(0.95);
  model.dispose();
}, 600_000);
