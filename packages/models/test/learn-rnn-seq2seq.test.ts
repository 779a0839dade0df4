/** Learning test: plain `Seq2Seq` (fixed context vector) reaches ≥ 95% token accuracy reversing 6 tokens. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Adam, Rng, type Heed } from '@heed/core';
import { Seq2Seq, createModel } from '../src/index.js';
import { testHeed } from './helpers.js';
import { BOS, EOS, PAD, VOCAB, elapsed, reversalAccuracy, reversalData, startClock, trainStep } from './learn-rnn-helpers.js';

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
    { architectures: ['Seq2Seq'], srcVocabSize: VOCAB, tgtVocabSize: VOCAB, embeddingSize: 32, hiddenSize: 64, bidirectional: true, padTokenId: PAD, bosTokenId: BOS, eosTokenId: EOS },
    { seed: 1 },
  );
  const opt = new Adam(5e-3);
  const rng = new Rng(2);
  const dev = reversalData(new Rng(98), 200, LEN);
  const clock = startClock();
  let steps = 0;
  for (; steps < 2000; ) {
    const { src, tgt } = reversalData(rng, 64, LEN);
    const loss = trainStep(heed, model, opt, src, tgt);
    steps++;
    if (steps % 50 === 0) {
      const acc = await reversalAccuracy(model, dev.src, dev.tgt);
      console.log(`[seq2seq] step ${steps}: loss ${loss.toFixed(4)}, greedy token accuracy ${(acc.token * 100).toFixed(1)}% (${elapsed(clock)})`);
      if (acc.token >= 0.975) break;
    }
  }
  const test = reversalData(new Rng(99), 500, LEN);
  const acc = await reversalAccuracy(model, test.src, test.tgt);
  console.log(`[seq2seq] reverse 6 tokens: greedy token accuracy ${(acc.token * 100).toFixed(2)}%, whole-sequence ${(acc.sequence * 100).toFixed(2)}% on 500 held-out sequences after ${steps} steps (${elapsed(clock)})`);
  expect(acc.token).toBeGreaterThanOrEqual(0.95);
  opt.dispose();
  model.dispose();
}, 600_000);
