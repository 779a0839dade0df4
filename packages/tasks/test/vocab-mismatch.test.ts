/**
 * Bad input: a tokenizer whose vocabulary is larger than the model's embeddings
 * (`vocab_size`, `src_vocab_size`, `tgt_vocab_size`) makes loading a pipeline fail with a
 * VocabSizeMismatchError (a ConfigError) naming the file, both sizes and the config field,
 * before the weights are read (the tests corrupt `model.safetensors` to show it) or anything runs.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Heed } from '@heed/core';
import { ConfigError, createModel } from '@heed/models';
import { Tokenizer } from '@heed/tokenizers';
import { saveTokenizer } from '@heed/tokenizers/node';
import { VocabSizeMismatchError, createPipeline } from '../src/index.js';
import { pipeline } from '../src/node.js';
import { testHeed } from './helpers.js';
import { VOCAB, tinyTokenizer } from './tiny-models.js';

let heed: Heed;
const V = VOCAB.length;
/** The tests' vocabulary plus three words: V + 3 ids. */
const BIG = [...VOCAB, 'dog', 'ran', 'home'];

beforeAll(async () => {
  heed = await testHeed();
});
afterAll(() => heed.dispose());

/** Saves a small random model of `type` with `files` (name → tokenizer, or vocab.txt lines); then corrupts its weights. */
async function dirWith(type: string, config: Record<string, unknown>, files: Record<string, Tokenizer | string[]>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'heed-tasks-vocab-'));
  const model = createModel(heed, { architectures: [type], ...config }, { seed: 5 });
  await model.save(dir);
  model.dispose();
  for (const [name, t] of Object.entries(files)) {
    if (Array.isArray(t)) await writeFile(join(dir, name), `${t.join('\n')}\n`);
    else saveTokenizer(t, join(dir, name));
  }
  // Loading must fail on the sizes before it reads these.
  await writeFile(join(dir, 'model.safetensors'), 'not safetensors');
  return dir;
}

async function expectMismatch(task: string, dir: string, file: string, size: number, field: string, value: number): Promise<void> {
  const before = heed.memory().numTensors;
  const err = await pipeline(heed, task, dir).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(VocabSizeMismatchError);
  expect(err).toBeInstanceOf(ConfigError);
  const e = err as VocabSizeMismatchError;
  expect(e.message).toBe(`${dir}: the tokenizer ${file} has ${size} tokens but config.json's "${field}" is ${value}`);
  expect([e.file, e.tokenizerSize, e.field, e.configSize]).toEqual([file, size, field, value]);
  expect(heed.memory().numTensors).toBe(before);
}

const TRANSFORMER = {
  src_vocab_size: V,
  tgt_vocab_size: V,
  d_model: 8,
  num_heads: 2,
  encoder_layers: 1,
  decoder_layers: 1,
  ffn_dim: 16,
  max_position_embeddings: 32,
};

describe('a tokenizer larger than the model vocabulary', () => {
  it('translation: tokenizer.json against src_vocab_size, target_tokenizer.json against tgt_vocab_size', async () => {
    const big = Tokenizer.fromVocab(BIG);
    const src = await dirWith('Transformer', TRANSFORMER, { 'tokenizer.json': big });
    await expectMismatch('translation', src, 'tokenizer.json', V + 3, 'src_vocab_size', V);
    const tgt = await dirWith('Transformer', TRANSFORMER, { 'tokenizer.json': tinyTokenizer(), 'target_tokenizer.json': big });
    await expectMismatch('translation', tgt, 'target_tokenizer.json', V + 3, 'tgt_vocab_size', V);
    const rnn = { src_vocab_size: V + 3, tgt_vocab_size: V, hidden_size: 8, embedding_size: 4 };
    const seq = await dirWith('AttentionSeq2Seq', rnn, { 'tokenizer.json': big, 'target_tokenizer.json': big });
    await expectMismatch('translation', seq, 'target_tokenizer.json', V + 3, 'tgt_vocab_size', V);
  });

  it('text-generation: tokenizer.json against vocab_size (TransformerLM, RNNLM)', async () => {
    const big = Tokenizer.fromVocab(BIG);
    const lm = await dirWith('TransformerLM', { vocab_size: V, d_model: 8, num_heads: 2, num_layers: 1, max_position_embeddings: 32 }, { 'tokenizer.json': big });
    await expectMismatch('text-generation', lm, 'tokenizer.json', V + 3, 'vocab_size', V);
    const rnn = await dirWith('RNNLM', { vocab_size: V, hidden_size: 8, embedding_size: 4 }, { 'tokenizer.json': big });
    await expectMismatch('text-generation', rnn, 'tokenizer.json', V + 3, 'vocab_size', V);
  });

  it('a BERT head (text-classification): vocab.txt against vocab_size', async () => {
    const bert = { vocab_size: V, hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 16, max_position_embeddings: 32 };
    const dir = await dirWith('BertForSequenceClassification', bert, { 'vocab.txt': BIG });
    await expectMismatch('text-classification', dir, 'vocab.txt', V + 3, 'vocab_size', V);
  });

  it('createPipeline (loaded parts) checks the same; a smaller tokenizer is fine', () => {
    const config = { architectures: ['TransformerLM'], vocab_size: V, d_model: 8, num_heads: 2, num_layers: 1, max_position_embeddings: 32 };
    const model = createModel(heed, config, { seed: 6 });
    expect(() => createPipeline(heed, 'text-generation', { model, tokenizer: Tokenizer.fromVocab(BIG), config, source: 'parts' })).toThrow(
      `parts: the tokenizer PipelineParts.tokenizer has ${V + 3} tokens but config.json's "vocab_size" is ${V}`,
    );
    const small = Tokenizer.fromVocab(VOCAB.slice(0, 10));
    const pipe = createPipeline(heed, 'text-generation', { model, tokenizer: small, config, source: 'parts' });
    pipe.dispose();
  });
});
