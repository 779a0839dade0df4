/** Learning test: TransformerLM overfits a paragraph (character level) to perplexity < 1.5. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AdamW, exp, tensor, type Heed } from '@heed/core';
import { trainCharLevel } from '@heed/tokenizers';
import { Trainer, TransformerLM, greedy, warmupSchedule } from '../src/index.js';
import { testHeed } from './helpers.js';

// CPU only: a training loop of this length is far too slow on the software WebGPU adapter.
let heed: Heed;
beforeAll(async () => {
  heed = await testHeed('cpu');
});
afterAll(() => heed.dispose());

// Written for this test.
const PARAGRAPH =
  'Heed trains small sequence models in TypeScript. A language model reads one character at a time and learns to guess ' +
  'the next one. Given enough steps, a small network can memorise a whole paragraph: every comma, every space and every ' +
  'capital letter. This paragraph is the training text, and the test asks for a perplexity below one and a half.';
const STEPS = 80;

it('TransformerLM overfits a paragraph to perplexity < 1.5', async () => {
  const tok = trainCharLevel([PARAGRAPH], { minFrequency: 1 });
  const vocab = tok.getVocabSize();
  const [bos, eos] = [tok.tokenToId('[BOS]')!, tok.tokenToId('[EOS]')!];
  const seq = [bos, ...tok.encode(PARAGRAPH, undefined, { addSpecialTokens: false }).ids, eos];
  const model = new TransformerLM(
    {
      vocab_size: vocab,
      d_model: 64,
      num_heads: 4,
      num_layers: 2,
      ffn_dim: 128,
      dropout: 0,
      max_position_embeddings: 384,
      bos_token_id: bos,
      eos_token_id: eos,
      pad_token_id: 0,
    },
    { seed: 1 },
  );
  const ids = Int32Array.from(seq);
  const batch = { inputIds: { data: ids, shape: [1, seq.length] }, labels: { data: ids, shape: [1, seq.length] } };
  const perplexity = (): number =>
    heed.tidy(() => {
      const x = tensor(ids, [1, seq.length], 'int32');
      return exp(model.forward({ inputIds: x, labels: x }).loss!).dataSync()[0]!;
    });
  const wall = performance.now();
  const cpu0 = process.cpuUsage();
  const trainer = new Trainer(model, {
    optimizer: new AdamW(3e-3),
    schedule: warmupSchedule({ peak: 3e-3, warmupSteps: 20, totalSteps: STEPS, floor: 3e-4 }),
    maxSteps: STEPS,
    clipNorm: 1,
    evaluate: { every: 20, metric: () => perplexity(), mode: 'min' },
    listeners: [(e) => void (e.type === 'eval' && console.log(`[learn-transformer-lm] step ${e.step}: perplexity ${e.metric.toFixed(3)}`))],
  });
  await trainer.fit(Array.from({ length: STEPS }, () => batch));
  model.eval();
  const ppl = perplexity();
  const cpu = process.cpuUsage(cpu0);
  const prompt = seq.slice(0, 6);
  const [hyp] = await greedy(model, { prompts: [prompt] }, { maxLength: seq.length - prompt.length });
  const text = tok.decode([...prompt.slice(1), ...hyp![0]!.tokens]);
  console.log(
    `[learn-transformer-lm] ${seq.length} characters: perplexity ${ppl.toFixed(3)} after ${STEPS} steps ` +
      `in ${((performance.now() - wall) / 1000).toFixed(1)} s wall, ` +
      `${((cpu.user + cpu.system) / 1e6).toFixed(1)} s CPU; greedy from "${tok.decode(prompt.slice(1))}": ${JSON.stringify(text)}`,
  );
  expect(ppl).toBeLessThan(1.5);
  trainer.optimizer.dispose?.();
  model.dispose();
});
