/**
 * The demo: trains AttentionSeq2Seq with the user's bilinear-tanh scorer on English–French
 * pairs, translates D2L's four test sentences by beam search, prints one attention map,
 * and saves and reloads the model directory (the reload needs the user's module again).
 *
 *   pnpm --filter @heed/example-custom-attention start [pairs = 2000] [steps = 1000]
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHeed } from '@heed/core';
import { cpuBackendModule } from '@heed/backend-cpu';
import { layersModule } from '@heed/layers';
import { modelsModule, type AttentionSeq2Seq } from '@heed/models';
import { loadModel } from '@heed/models/node';
import { readPairs } from './data.js';
import { customAttentionModule } from './module.js';
import { buildTranslator, train, translate } from './translate.js';

const [pairCount = 2000, steps = 1000] = process.argv.slice(2).map(Number);
const heed = await createHeed({ plugins: [cpuBackendModule, layersModule, modelsModule, customAttentionModule()] });
const pairs = await readPairs(pairCount);
const t = buildTranslator(heed, pairs);
const scorer = t.model.attn;
console.log(`${pairs.length} pairs, vocabularies: ${t.src.size} English, ${t.tgt.size} French`);
console.log(`scorer "${scorer.scoreName}" with ${scorer.scoreParams.parameterCount()} parameters; model ${t.model.parameterCount()} parameters`);

const start = performance.now();
const result = await train(t, pairs, { steps, progress: true });
const seconds = ((performance.now() - start) / 1000).toFixed(1);
console.log(`trained ${result.step} steps in ${seconds} s: loss ${result.losses[0]!.toFixed(3)} → ${result.losses.at(-1)!.toFixed(3)}`);

const tests: [string, string][] = [
  ['go .', 'va !'],
  ['i lost .', "j'ai perdu ."],
  ["he's calm .", 'il est calme .'],
  ["i'm home .", 'je suis chez moi .'],
];
const translations = await translate(t, tests.map(([en]) => en));
tests.forEach(([en, ref], i) => console.log(`${en} => ${translations[i]!.words.join(' ')}   (reference: ${ref})`));

// Attention of the last translation: rows are French words (and <eos>), columns English words.
const last = translations.at(-1)!;
const srcWords = tests.at(-1)![0].split(' ');
console.log(`\nattention for "${tests.at(-1)![0]}":\n${' '.repeat(10)}${srcWords.map((w) => w.padStart(7)).join('')}`);
[...last.words, '<eos>'].forEach((w, r) => console.log(`${w.padEnd(10)}${last.attention[r]!.map((a) => a.toFixed(2).padStart(7)).join('')}`));

const dir = await mkdtemp(join(tmpdir(), 'heed-custom-attention-'));
await t.model.save(dir);
const reloaded = await loadModel<AttentionSeq2Seq>(heed, dir);
console.log(`\nsaved to ${dir} and reloaded: ${reloaded.modelType} with score "${reloaded.attn.scoreName}"`);
reloaded.dispose();
t.model.dispose();
heed.dispose();
