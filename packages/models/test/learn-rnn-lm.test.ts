/** Learning test: a character-level `RNNLM` overfits a paragraph to perplexity < 1.5. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Adam, clipGradNorm, tensor, variableGrads, type Heed, type Tensor } from '@heed/core';
import { RNNLM, createModel } from '../src/index.js';
import { testHeed } from './helpers.js';
import { elapsed, startClock } from './learn-rnn-helpers.js';

// CPU only: hundreds of training steps are far too slow on the software WebGPU adapter.
let heed: Heed;
beforeAll(async () => {
  heed = await testHeed('cpu');
});
afterAll(() => heed.dispose());

const PARAGRAPH =
  'The lighthouse keeper climbed the stairs every evening at dusk. ' +
  'He wound the clockwork, trimmed the wick and wiped the salt from the glass. ' +
  'Ships passed far out on the dark water and never knew his name. ' +
  'In the morning he wrote the weather in a thin grey book. ' +
  'Forty years of wind and rain filled its pages, one careful line a day.';

it('RNNLM (character LSTM) overfits a paragraph to perplexity < 1.5', async () => {
  const chars = [...new Set(PARAGRAPH)].sort();
  const id = new Map(chars.map((c, i) => [c, 3 + i]));
  const sentences = PARAGRAPH.split(/(?<=\.) /);
  const width = Math.max(...sentences.map((s) => s.length)) + 2;
  // Rows [BOS, chars…, EOS], right-padded; padding is masked and its labels are -100.
  const rows = sentences.map((s) => [1, ...[...s].map((c) => id.get(c)!), 2]);
  const padded = rows.map((r) => [...r, ...new Array<number>(width - r.length).fill(0)]);
  const batch = (): { inputIds: Tensor; attentionMask: Tensor; labels: Tensor } => ({
    inputIds: tensor(Int32Array.from(padded.flat()), [rows.length, width], 'int32'),
    attentionMask: tensor(padded.flatMap((r, i) => r.map((_, t) => t < rows[i]!.length)), [rows.length, width], 'bool'),
    labels: tensor(Int32Array.from(padded.flatMap((r, i) => r.map((v, t) => (t < rows[i]!.length ? v : -100)))), [rows.length, width], 'int32'),
  });
  const model = createModel<RNNLM>(heed, { architectures: ['RNNLM'], vocabSize: 3 + chars.length, embeddingSize: 32, hiddenSize: 128, cell: 'lstm' }, { seed: 3 });
  const opt = new Adam(1e-2);
  const perplexity = async (): Promise<number> => {
    model.eval();
    const loss = heed.tidy(() => model.forward(batch()).loss!);
    const v = (await loss.data())[0]!;
    loss.dispose();
    model.train();
    return Math.exp(v);
  };
  const clock = startClock();
  let steps = 0;
  let ppl = await perplexity();
  for (; steps < 600 && ppl >= 1.3; ) {
    heed.tidy(() => {
      const { value, grads } = variableGrads(() => model.forward(batch()).loss!, model.trainableParameters());
      opt.step(clipGradNorm(grads, 1).grads);
      value.dispose();
    });
    steps++;
    if (steps % 25 === 0) {
      ppl = await perplexity();
      console.log(`[rnn-lm] step ${steps}: perplexity ${ppl.toFixed(3)} (${elapsed(clock)})`);
    }
  }
  console.log(`[rnn-lm] ${PARAGRAPH.length} characters, ${rows.length} sentences: perplexity ${ppl.toFixed(3)} after ${steps} steps (${elapsed(clock)})`);
  expect(ppl).toBeLessThan(1.5);
  opt.dispose();
  model.dispose();
}, 600_000);
