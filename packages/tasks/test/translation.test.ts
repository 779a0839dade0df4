/**
 * The translation pipeline on @heed/models' encoder–decoders (small random Transformer and
 * attention seq2seq saved as model directories): batched, padded translations equal
 * generation on each sentence alone; attention maps are per target token and sum to 1.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tensor, type Heed } from '@heed/core';
import { createModel, generate, type Generative, type Model } from '@heed/models';
import { saveTokenizer } from '@heed/tokenizers/node';
import type { TranslationOutput, TranslationPipeline } from '../src/index.js';
import { pipeline } from '../src/node.js';
import { testHeed } from './helpers.js';
import { VOCAB, tinyTokenizer } from './tiny-models.js';

let heed: Heed;
const tok = tinyTokenizer();
const V = VOCAB.length;
const MODELS: Array<[string, Record<string, unknown>]> = [
  [
    'Transformer',
    {
      src_vocab_size: V,
      tgt_vocab_size: V,
      d_model: 16,
      num_heads: 2,
      encoder_layers: 1,
      decoder_layers: 2,
      ffn_dim: 32,
      max_position_embeddings: 64,
      dropout: 0,
      bos_token_id: 2,
      eos_token_id: 3,
    },
  ],
  ['AttentionSeq2Seq', { src_vocab_size: V, tgt_vocab_size: V, hidden_size: 16, embedding_size: 8, bos_token_id: 2, eos_token_id: 3 }],
];

beforeAll(async () => {
  heed = await testHeed();
});
afterAll(() => heed.dispose());

describe('translation pipeline', () => {
  it.each(MODELS)('%s: batched translations equal generation alone; attention maps; flat memory', async (type, config) => {
    const dir = await mkdtemp(join(tmpdir(), 'heed-tasks-mt-'));
    const model = createModel<Model & Generative<object>>(heed, { architectures: [type], ...config }, { seed: 41 });
    model.eval();
    await model.save(dir);
    saveTokenizer(tok, join(dir, 'tokenizer.json'));
    const mt = await pipeline<TranslationPipeline>(heed, 'translation', dir);
    const texts = ['anna lives in paris .', 'the cat', 'the cat sat on the mat , anna .'];
    const got = (await mt.run(texts, { maxLength: 12, attentions: true })) as TranslationOutput[];
    for (let i = 0; i < texts.length; i++) {
      const e = tok.encode(texts[i]!);
      const n = e.length;
      const src = { inputIds: tensor(Int32Array.from(e.ids), [1, n], 'int32'), attentionMask: tensor(new Uint8Array(n).fill(1), [1, n], 'bool') };
      const [[h]] = await generate(model, src, { maxLength: 12 });
      src.inputIds.dispose();
      src.attentionMask.dispose();
      expect(got[i]!.translation_text).toBe(tok.decode(h!.tokens));
      const att = got[i]!.attention!;
      expect(att.sourceTokens).toEqual(e.tokens);
      expect(att.targetTokens).toHaveLength(h!.tokens.length);
      expect(att.maps.length).toBe(type === 'Transformer' ? 4 : 1);
      for (const m of att.maps) {
        expect(m.weights).toHaveLength(h!.tokens.length);
        for (const row of m.weights) {
          expect(row).toHaveLength(n);
          expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
        }
      }
    }
    const beam = (await mt.run(texts, { strategy: 'beam', beamSize: 3, maxLength: 12 })) as TranslationOutput[];
    expect(beam.every((b) => typeof b.translation_text === 'string' && b.attention === undefined)).toBe(true);
    const before = heed.memory().numTensors;
    for (let i = 0; i < 10; i++) await mt.run(texts, { maxLength: 8, attentions: i % 2 === 0 });
    expect(heed.memory().numTensors).toBe(before);
    mt.dispose();
    model.dispose();
  });
});
