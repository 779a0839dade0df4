/** BERT model directories in Hugging Face's form: saved with HF's keys, loaded across architectures, bad ones refused. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tensor, type Heed, type Tensor } from '@heed/core';
import { loadTensors, saveTensors } from '@heed/core/node';
import { Tokenizer } from '@heed/tokenizers';
import {
  BertForMaskedLM,
  BertForPreTraining,
  BertForSequenceClassification,
  BertModel,
  ConfigError,
  ModelDirectoryError,
  createModel,
} from '../src/index.js';
import { loadBertDirectory, loadModel, saveBertDirectory } from '../src/node.js';
import { testHeed } from './helpers.js';
import { tinyBatch, tinyBertConfig } from './bert-helpers.js';

let heed: Heed;
beforeAll(async () => {
  heed = await testHeed('cpu');
});
afterAll(() => heed.dispose());

async function values(t: Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

/** A word-piece tokenizer whose vocabulary has `n` entries (the specials first). */
function tokenizerOf(n: number): Tokenizer {
  const specials = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
  const words = Array.from({ length: n - specials.length }, (_, i) => `w${i}`);
  return Tokenizer.fromVocab([...specials, ...words]);
}

async function savedPreTraining(): Promise<{ dir: string; model: BertForPreTraining }> {
  const dir = await mkdtemp(join(tmpdir(), 'heed-bert-'));
  const model = createModel<BertForPreTraining>(heed, { ...tinyBertConfig(), architectures: ['BertForPreTraining'] }, { seed: 3 });
  model.eval();
  await saveBertDirectory(model, dir, tokenizerOf(97));
  return { dir, model };
}

describe('BERT directories', () => {
  it("a saved BertForPreTraining has HF's keys (no tied decoder), config fields and tokenizer files", async () => {
    const { dir, model } = await savedPreTraining();
    const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
    expect(config).toMatchObject({
      architectures: ['BertForPreTraining'],
      model_type: 'bert',
      vocab_size: 97,
      hidden_size: 64,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      intermediate_size: 128,
      hidden_act: 'gelu',
      layer_norm_eps: 1e-12,
      max_position_embeddings: 40,
      type_vocab_size: 2,
      pad_token_id: 0,
      hidden_dropout_prob: 0.1,
      attention_probs_dropout_prob: 0.1,
      initializer_range: 0.02,
      position_embedding_type: 'absolute',
      id2label: { 0: 'LABEL_0', 1: 'LABEL_1' },
      label2id: { LABEL_0: 0, LABEL_1: 1 },
    });
    const { tensors } = await loadTensors(join(dir, 'model.safetensors'));
    const keys = [...tensors.keys()].sort();
    expect(keys).toEqual([...model.stateDict().keys()].sort());
    expect(keys).toContain('cls.predictions.bias');
    expect(keys).toContain('bert.encoder.layer.1.attention.self.query.weight');
    expect(keys.some((k) => k.startsWith('cls.predictions.decoder'))).toBe(false);
    for (const t of tensors.values()) t.dispose();
    expect((await readFile(join(dir, 'vocab.txt'), 'utf8')).split('\n')).toHaveLength(98);
    expect(JSON.parse(await readFile(join(dir, 'tokenizer.json'), 'utf8')).model.type).toBe('WordPiece');
    model.dispose();
  });

  it('a BertForPreTraining file loads into BertModel and BertForMaskedLM with the same outputs; unused heads are reported', async () => {
    const { dir, model } = await savedPreTraining();
    const batch = tinyBatch(heed);
    const ref = model.forward(batch);
    const refBase = model.bert.forward(batch);

    const base = await loadBertDirectory<BertModel>(heed, dir, { architecture: 'BertModel' });
    expect(base.model).toBeInstanceOf(BertModel);
    expect(base.report.initialized).toEqual([]);
    expect(base.report.unused.sort()).toEqual([
      'cls.predictions.bias',
      'cls.predictions.transform.LayerNorm.bias',
      'cls.predictions.transform.LayerNorm.weight',
      'cls.predictions.transform.dense.bias',
      'cls.predictions.transform.dense.weight',
      'cls.seq_relationship.bias',
      'cls.seq_relationship.weight',
    ]);
    const out = base.model.forward(batch);
    expect(await values(out.lastHiddenState)).toEqual(await values(refBase.lastHiddenState));
    expect(await values(out.poolerOutput!)).toEqual(await values(refBase.poolerOutput!));
    expect(base.tokenizer?.getVocabSize()).toBe(97);

    const mlm = await loadBertDirectory<BertForMaskedLM>(heed, dir, { architecture: 'BertForMaskedLM' });
    expect(mlm.report.unused.sort()).toEqual([
      'bert.pooler.dense.bias',
      'bert.pooler.dense.weight',
      'cls.seq_relationship.bias',
      'cls.seq_relationship.weight',
    ]);
    expect(await values(mlm.model.forward(batch).logits!)).toEqual(await values(ref.predictionLogits));
    for (const m of [model, base.model, mlm.model]) m.dispose();
  });

  it('a new classification head is initialised and reported; the generic loadModel reads the directory too', async () => {
    const { dir, model } = await savedPreTraining();
    const cls = await loadBertDirectory<BertForSequenceClassification>(heed, dir, {
      architecture: 'BertForSequenceClassification',
      config: { num_labels: 3 },
    });
    expect(cls.report.initialized.sort()).toEqual(['classifier.bias', 'classifier.weight']);
    expect(cls.model.config.id2label).toEqual({ 0: 'LABEL_0', 1: 'LABEL_1', 2: 'LABEL_2' });
    expect(cls.model.forward(tinyBatch(heed)).logits!.shape).toEqual([2, 3]);
    const generic = await loadModel<BertForPreTraining>(heed, dir);
    expect(generic).toBeInstanceOf(BertForPreTraining);
    expect(await values(generic.cls.predictions.bias)).toEqual(await values(model.cls.predictions.bias));
    for (const m of [model, cls.model, generic]) m.dispose();
  });

  it('HF files load as is: no bert. prefix, legacy gamma/beta names, tied decoder keys present or absent', async () => {
    const base = createModel<BertModel>(heed, { ...tinyBertConfig(), architectures: ['BertModel'] }, { seed: 5 });
    base.eval();
    const dir = await mkdtemp(join(tmpdir(), 'heed-bert-'));
    await saveBertDirectory(base, dir);
    // Rewrite the weights as an old PyTorch export would: LayerNorm.gamma/beta.
    const renamed = new Map<string, Tensor>();
    for (const [k, v] of base.stateDict())
      renamed.set(k.replace(/LayerNorm\.weight$/, 'LayerNorm.gamma').replace(/LayerNorm\.bias$/, 'LayerNorm.beta'), v);
    await saveTensors(join(dir, 'model.safetensors'), renamed);
    const tok = await loadBertDirectory(heed, dir, { architecture: 'BertForTokenClassification', config: { num_labels: 5 } });
    expect(tok.report.unused.sort()).toEqual(['pooler.dense.bias', 'pooler.dense.weight']);
    expect(tok.report.initialized.sort()).toEqual(['classifier.bias', 'classifier.weight']);
    const batch = tinyBatch(heed);
    const a = base.forward(batch).lastHiddenState;
    const b = (tok.model as unknown as { bert: BertModel }).bert.forward(batch).lastHiddenState;
    expect(await values(b)).toEqual(await values(a));

    // A pre-training file with the tied decoder tensors written out (as pytorch_model.bin has them).
    const pre = await savedPreTraining();
    const withTied = new Map<string, Tensor>(pre.model.stateDict());
    withTied.set('cls.predictions.decoder.weight', pre.model.bert.embeddings.word_embeddings.weight);
    withTied.set('cls.predictions.decoder.bias', pre.model.cls.predictions.bias);
    await saveTensors(join(pre.dir, 'model.safetensors'), withTied);
    const loaded = await loadBertDirectory<BertForPreTraining>(heed, pre.dir);
    expect(loaded.report).toEqual({ unused: [], initialized: [] });
    expect(await values(loaded.model.forward(batch).predictionLogits)).toEqual(await values(pre.model.forward(batch).predictionLogits));
    for (const m of [base, tok.model, pre.model, loaded.model]) m.dispose();
  });

  it('missing or mis-shaped encoder tensors are refused, naming the keys, with nothing left allocated', async () => {
    const { dir, model } = await savedPreTraining();
    const state = new Map<string, Tensor>(model.stateDict());
    state.delete('bert.encoder.layer.1.output.dense.weight');
    await saveTensors(join(dir, 'model.safetensors'), state);
    const before = heed.memory().numTensors;
    const err = await loadBertDirectory(heed, dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelDirectoryError);
    expect((err as Error).message).toContain('bert.encoder.layer.1.output.dense.weight');
    expect(heed.memory().numTensors).toBe(before);

    const wrong = tensor(new Float32Array(64 * 64), [64, 64], 'float32', { engine: heed.engine });
    state.set('bert.encoder.layer.1.output.dense.weight', wrong);
    await saveTensors(join(dir, 'model.safetensors'), state);
    const err2 = await loadModel(heed, dir).catch((e: unknown) => e);
    expect(err2).toBeInstanceOf(ModelDirectoryError);
    expect((err2 as Error).message).toMatch(/bert\.encoder\.layer\.1\.output\.dense\.weight expects \[64,128\], got \[64,64\]/);
    expect(heed.memory().numTensors).toBe(before + 1);
    wrong.dispose();
    await rm(join(dir, 'model.safetensors'));
    await writeFile(join(dir, 'pytorch_model.bin'), '');
    await expect(loadBertDirectory(heed, dir)).rejects.toThrow(
      /no model\.safetensors \(found pytorch_model\.bin; Heed reads one unsharded safetensors file\)/,
    );
    model.dispose();
  });

  it('config options Heed lacks, a too-large tokenizer and too-long sequences are typed errors naming the field', async () => {
    const { dir, model } = await savedPreTraining();
    const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
    await writeFile(join(dir, 'config.json'), JSON.stringify({ ...config, position_embedding_type: 'relative_key' }));
    await expect(loadBertDirectory(heed, dir)).rejects.toThrow(/"position_embedding_type": "relative_key" is not implemented/);
    await writeFile(join(dir, 'config.json'), JSON.stringify({ ...config, hidden_act: 'swish' }));
    await expect(loadBertDirectory(heed, dir)).rejects.toThrow(ConfigError);
    await writeFile(join(dir, 'config.json'), JSON.stringify({ ...config, vocab_size: 90 }));
    const err = await loadBertDirectory(heed, dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/tokenizer has 97 tokens but config\.json's "vocab_size" is 90/);
    expect(() => createModel(heed, { ...tinyBertConfig({ hidden_size: 66 }), architectures: ['BertModel'] })).toThrow(
      /"hidden_size" \(66\) must be a multiple of "num_attention_heads" \(4\)/,
    );
    expect(() => createModel(heed, { ...tinyBertConfig({ is_decoder: true }), architectures: ['BertModel'] })).toThrow(/"is_decoder"/);
    const untied = { ...tinyBertConfig({ tie_word_embeddings: false }), architectures: ['BertForMaskedLM'] };
    expect(() => createModel(heed, untied)).toThrow(/"tie_word_embeddings"/);
    const long = tensor(new Int32Array(41), [1, 41], 'int32', { engine: heed.engine });
    expect(() => model.forward({ inputIds: long })).toThrow(ConfigError);
    expect(() => model.forward({ inputIds: long })).toThrow(/41 tokens .* "max_position_embeddings" = 40/);
    long.dispose();
    model.dispose();
  });
});
