/** Learning test: a character-level `RNNLM` overfits a paragraph to perplexity < 1.5. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Heed } from '@heed/core';
import { RNNLM, batchToTensors, createModel, padSequences, type HostBatch, type RNNLMBatch } from '../src/index.js';
import { testHeed } from './helpers.js';
import { UntilStopped, elapsed, startClock, trainUntil } from './learn-rnn-helpers.js';

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
  // Rows [BOS, chars…, EOS], right-padded: padding is masked and its labels are -100.
  const rows = sentences.map((s) => [1, ...[...s].map((c) => id.get(c)!), 2]);
  const padded = rows.map((r) => [...r, ...new Array<number>(width - r.length).fill(0)]);
  const batch: HostBatch = {
    inputIds: padSequences(rows),
    attentionMask: { data: Uint8Array.from(padded.flatMap((r, i) => r.map((_, t) => (t < rows[i]!.length ? 1 : 0)))), shape: [rows.length, width] },
    labels: padSequences(rows, { padValue: -100 }),
  };
  const config = { architectures: ['RNNLM'], vocab_size: 3 + chars.length, embedding_size: 32, hidden_size: 128, cell: 'lstm' as const };
  const model = createModel<RNNLM>(heed, config, { seed: 3 });
  // Perplexity of the paragraph: exp of the mean loss over every real next-character position.
  const perplexity = async (m: RNNLM): Promise<number> => {
    const loss = heed.tidy(() => m.forward(batchToTensors(batch, heed.engine) as RNNLMBatch).loss!);
    const v = (await loss.data())[0]!;
    loss.dispose();
    return Math.exp(v);
  };
  const clock = startClock();
  const { steps, metric: ppl } = await trainUntil(model, new UntilStopped(() => batch), {
    lr: 1e-2,
    every: 25,
    maxSteps: 600,
    metric: perplexity,
    target: (p) => p < 1.3,
    log: (step, p) => console.log(`[rnn-lm] step ${step}: perplexity ${p.toFixed(3)} (${elapsed(clock)})`),
  });
  const what = `${PARAGRAPH.length} characters, ${rows.length} sentences`;
  console.log(`[rnn-lm] ${what}: perplexity ${ppl.toFixed(3)} after ${steps} steps (${elapsed(clock)})`);
  expect(ppl).toBeLessThan(1.5);
  model.dispose();
}, 600_000);
