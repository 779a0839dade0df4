/** The pipelines on the WebGPU backend agree with the CPU backend, and memory stays flat there too. */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Heed } from '@heed/core';
import { createModel } from '@heed/models';
import { saveTokenizer } from '@heed/tokenizers/node';
import type { AnyPipeline } from '../src/index.js';
import { pipeline } from '../src/node.js';
import { testHeed } from './helpers.js';
import { VOCAB, tinyTokenizer } from './tiny-models.js';

let cpu: Heed;
let gpu: Heed;
const CONFIG = {
  vocab_size: VOCAB.length,
  hidden_size: 16,
  num_hidden_layers: 2,
  num_attention_heads: 2,
  intermediate_size: 32,
  max_position_embeddings: 64,
};

beforeAll(async () => {
  cpu = await testHeed([], 'cpu');
  gpu = await testHeed([], 'webgpu');
});
afterAll(() => {
  gpu.dispose();
  cpu.dispose();
});

async function dirOf(type: string, extra: Record<string, unknown> = {}, base: Record<string, unknown> = CONFIG): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'heed-tasks-gpu-'));
  const model = createModel(cpu, { architectures: [type], ...base, ...extra }, { seed: 31 });
  await model.save(dir);
  model.dispose();
  saveTokenizer(tinyTokenizer(), join(dir, 'tokenizer.json'));
  return dir;
}

/** Replaces every number in a result with a closeTo matcher. */
function near(x: unknown): unknown {
  if (typeof x === 'number') return Number.isInteger(x) ? x : expect.closeTo(x, 4);
  if (Array.isArray(x)) return x.map(near);
  if (x !== null && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, near(v)]));
  return x;
}

const CASES: Array<[string, string, Record<string, unknown>, unknown[], Record<string, unknown>]> = [
  [
    'text-classification',
    'BertForSequenceClassification',
    {},
    ['good film', { text: 'anna lives in paris .', textPair: 'bad film' }, ''],
    { topK: null },
  ],
  ['token-classification', 'BertForTokenClassification', { num_labels: 5 }, ['Anna Smithson lives in Paris .', 'the cat'], { ignoreLabels: [] }],
  [
    'question-answering',
    'BertForQuestionAnswering',
    {},
    [{ question: 'where does anna live ?', context: 'Anna lives in Paris . The cat sat on the mat .' }],
    { topK: 2 },
  ],
  ['fill-mask', 'BertForMaskedLM', {}, ['the [MASK] sat on the mat .'], { topK: 3 }],
  ['feature-extraction', 'BertModel', {}, ['anna lives in paris .', 'the cat'], { pooling: 'mean' }],
];

const V = VOCAB.length;
const GENERATIVE: Array<[string, string, Record<string, unknown>, unknown[], Record<string, unknown>]> = [
  [
    'translation',
    'Transformer',
    {
      architectures: ['Transformer'],
      src_vocab_size: V,
      tgt_vocab_size: V,
      d_model: 16,
      num_heads: 2,
      encoder_layers: 1,
      decoder_layers: 1,
      ffn_dim: 32,
      dropout: 0,
      bos_token_id: 2,
      eos_token_id: 3,
    },
    ['anna lives in paris .', 'the cat'],
    { maxLength: 6, attentions: true },
  ],
  [
    'translation',
    'AttentionSeq2Seq',
    { architectures: ['AttentionSeq2Seq'], src_vocab_size: V, tgt_vocab_size: V, hidden_size: 16, embedding_size: 8, bos_token_id: 2, eos_token_id: 3 },
    ['anna lives in paris .', 'the cat'],
    { maxLength: 6, strategy: 'beam', beamSize: 2 },
  ],
  [
    'text-generation',
    'TransformerLM',
    {
      architectures: ['TransformerLM'],
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
    ['anna lives in', 'the cat sat'],
    { maxNewTokens: 5 },
  ],
];

describe('pipelines on WebGPU', () => {
  it.each(CASES)('%s agrees with the CPU; memory stays flat', async (task, type, extra, inputs, options) => {
    const dir = await dirOf(type, extra);
    const a = await pipeline<AnyPipeline>(cpu, task, dir);
    const b = await pipeline<AnyPipeline>(gpu, task, dir);
    const ref = await a.run(inputs, options);
    expect(await b.run(inputs, options)).toEqual(near(ref));
    const before = gpu.memory().numTensors;
    for (let i = 0; i < 5; i++) await b.run(inputs, options);
    expect(gpu.memory().numTensors).toBe(before);
    a.dispose();
    b.dispose();
  });

  it.each(GENERATIVE)('%s on %s agrees with the CPU; memory stays flat', async (task, type, config, inputs, options) => {
    const dir = await dirOf(type, config, {});
    const a = await pipeline<AnyPipeline>(cpu, task, dir);
    const b = await pipeline<AnyPipeline>(gpu, task, dir);
    expect(await b.run(inputs, options)).toEqual(near(await a.run(inputs, options)));
    const before = gpu.memory().numTensors;
    for (let i = 0; i < 3; i++) await b.run(inputs, options);
    expect(gpu.memory().numTensors).toBe(before);
    a.dispose();
    b.dispose();
  });
});
