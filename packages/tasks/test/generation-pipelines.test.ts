/**
 * text-generation on @heed/models' language models and feature-extraction on BertModel
 * (small random configs): batched results equal each input alone; memory stays flat.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tensor, type Heed, type Tensor } from '@heed/core';
import { createModel, generate, type Generative, type Model } from '@heed/models';
import { saveTokenizer } from '@heed/tokenizers/node';
import type { FeatureExtractionPipeline, TextGenerationPipeline } from '../src/index.js';
import { pipeline } from '../src/node.js';
import { testHeed } from './helpers.js';
import { VOCAB, tinyTokenizer } from './tiny-models.js';

let heed: Heed;
const tok = tinyTokenizer();
const V = VOCAB.length;

beforeAll(async () => {
  heed = await testHeed();
});
afterAll(() => heed.dispose());

async function dirOf<M extends Model>(config: Record<string, unknown>): Promise<{ dir: string; model: M }> {
  const dir = await mkdtemp(join(tmpdir(), 'heed-tasks-gen-'));
  const model = createModel<M>(heed, config, { seed: 43 });
  model.eval();
  await model.save(dir);
  saveTokenizer(tok, join(dir, 'tokenizer.json'));
  return { dir, model };
}

describe('text-generation pipeline', () => {
  it.each([
    [
      'TransformerLM',
      {
        vocab_size: V,
        d_model: 16,
        num_heads: 2,
        num_layers: 1,
        ffn_dim: 32,
        max_position_embeddings: 64,
        dropout: 0,
        bos_token_id: 2,
        eos_token_id: 3,
      },
    ],
    ['RNNLM', { vocab_size: V, hidden_size: 16, embedding_size: 8, bos_token_id: 2, eos_token_id: 3 }],
  ])('%s: prompts continue as generation alone; full text starts with the prompt', async (type, config) => {
    const { dir, model } = await dirOf<Model & Generative<object>>({ architectures: [type], ...config });
    const gen = await pipeline<TextGenerationPipeline>(heed, 'text-generation', dir);
    const prompts = ['anna lives in', 'the cat sat on the mat , the', 'good'];
    const got = (await gen.run(prompts, { maxNewTokens: 6 })) as Array<{ generated_text: string }>;
    for (let i = 0; i < prompts.length; i++) {
      const ids = [2, ...tok.encode(prompts[i]!, null, { addSpecialTokens: false }).ids];
      const n = ids.length;
      const src = { inputIds: tensor(Int32Array.from(ids), [1, n], 'int32'), attentionMask: tensor(new Uint8Array(n).fill(1), [1, n], 'bool') };
      const [[h]] = await generate(model, src, { maxLength: 6 });
      src.inputIds.dispose();
      src.attentionMask.dispose();
      const cont = (await gen.run(prompts[i]!, { maxNewTokens: 6, returnFullText: false })) as { generated_text: string };
      expect(got[i]!.generated_text.startsWith(prompts[i]!)).toBe(true);
      expect(tok.encode(cont.generated_text, null, { addSpecialTokens: false }).ids).toEqual(
        tok.encode(tok.decode(h!.tokens), null, { addSpecialTokens: false }).ids,
      );
    }
    const sampled = (await gen.run(prompts, { maxNewTokens: 4, strategy: 'sample', seed: 1, topK: 5 })) as Array<{ generated_text: string }>;
    expect(sampled).toEqual(await gen.run(prompts, { maxNewTokens: 4, strategy: 'sample', seed: 1, topK: 5 }));
    const before = heed.memory().numTensors;
    for (let i = 0; i < 10; i++) await gen.run(prompts, { maxNewTokens: 4 });
    expect(heed.memory().numTensors).toBe(before);
    gen.dispose();
    model.dispose();
  });
});

describe('feature-extraction pipeline', () => {
  it('BertModel hidden states per token equal the model alone; mean and cls pooling; normalisation', async () => {
    const { dir, model } = await dirOf({
      architectures: ['BertModel'],
      vocab_size: V,
      hidden_size: 16,
      num_hidden_layers: 1,
      num_attention_heads: 2,
      intermediate_size: 32,
      max_position_embeddings: 64,
    });
    const fe = await pipeline<FeatureExtractionPipeline>(heed, 'feature-extraction', dir);
    const texts = ['anna lives in paris .', 'the cat'];
    const got = (await fe.run(texts)) as number[][][];
    for (let i = 0; i < texts.length; i++) {
      const e = tok.encode(texts[i]!);
      const n = e.length;
      const h = heed.tidy(
        () =>
          (model.forward({ inputIds: tensor(Int32Array.from(e.ids), [1, n], 'int32') }) as unknown as { lastHiddenState: Tensor }).lastHiddenState,
      );
      const ref = (await h.data()) as Float32Array;
      h.dispose();
      expect(got[i]).toHaveLength(n);
      got[i]!.forEach((row, t) => expect(row).toEqual(Array.from(ref.subarray(t * 16, (t + 1) * 16)).map((x) => expect.closeTo(x, 5))));
      const mean = (await fe.run(texts[i]!, { pooling: 'mean' })) as number[];
      expect(mean).toEqual(got[i]![0]!.map((_, k) => expect.closeTo(got[i]!.reduce((a, r) => a + r[k]!, 0) / n, 5)));
      const cls = (await fe.run(texts[i]!, { pooling: 'cls', normalize: true })) as number[];
      expect(Math.hypot(...cls)).toBeCloseTo(1, 6);
    }
    fe.dispose();
    model.dispose();
  });
});
