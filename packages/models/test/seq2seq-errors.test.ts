/** Bad configs and bad batches of the recurrent models get typed errors that name what was wrong. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArgumentError, DTypeError, PluginNotFoundError, ShapeError, tensor, type Heed, type Tensor } from '@heed/core';
import { ConfigError, createModel, type AttentionSeq2Seq, type Seq2Seq, type Seq2SeqBatch, type RNNLM, type ModelConfig } from '../src/index.js';
import { testHeed } from './helpers.js';

let heed: Heed;
beforeAll(async () => {
  heed = await testHeed('cpu');
});
afterAll(() => heed.dispose());

const ids = (rows: number[][]): Tensor => tensor(Int32Array.from(rows.flat()), [rows.length, rows[0]!.length], 'int32');
const base = { src_vocab_size: 7, tgt_vocab_size: 9, embedding_size: 4, hidden_size: 4 };
const s2s = { architectures: ['Seq2Seq'], ...base };
const att = { architectures: ['AttentionSeq2Seq'], ...base };

describe('config errors name the field', () => {
  const cases: [string, ModelConfig, RegExp][] = [
    ['missing vocabulary', { architectures: ['Seq2Seq'], tgt_vocab_size: 5 }, /Seq2Seq: "src_vocab_size" is required/],
    ['non-integer size', { architectures: ['Seq2Seq'], ...base, hidden_size: 2.5 }, /Seq2Seq: "hidden_size" must be an integer ≥ 1, got 2.5/],
    ['unknown cell', { architectures: ['Seq2Seq'], ...base, cell: 'rnn' }, /"cell" must be one of "gru", "lstm", got "rnn"/],
    ['dropout out of range', { ...att, dropout: 1 }, /AttentionSeq2Seq: "dropout" must be a number in \[0, 1\), got 1/],
    ['token id outside the vocabulary', { ...s2s, eos_token_id: 9 }, /"eos_token_id" must be a token id in \[0, 9\) \("tgt_vocab_size"\), got 9/],
    ['pad id outside the source vocabulary', { ...s2s, src_vocab_size: 3, pad_token_id: 4 }, /"pad_token_id" 4 is outside the source vocabulary \[0, 3\) \("src_vocab_size"\)/],
    ['tied output with unequal sizes', { ...s2s, hidden_size: 6, tie_word_embeddings: true }, /"tie_word_embeddings" needs "embedding_size" = "hidden_size", got 4 and 6/],
    ['unknown attention variant', { ...att, attention: 'global' }, /"attention" must be one of "bahdanau", "luong", got "global"/],
    ['boolean as string', { architectures: ['Seq2Seq'], ...base, bidirectional: 'yes' }, /"bidirectional" must be true or false, got "yes"/],
    ['label smoothing of 1', { ...s2s, label_smoothing: 1 }, /Seq2Seq: "label_smoothing" must be a number in \[0, 1\), got 1/],
    ['RNNLM vocabulary', { architectures: ['RNNLM'], vocab_size: 0 }, /RNNLM: "vocab_size" must be an integer ≥ 1, got 0/],
  ];
  it.each(cases)('%s', (_name, config, message) => {
    const before = heed.memory().numTensors;
    expect(() => createModel(heed, config)).toThrow(ConfigError);
    expect(() => createModel(heed, config)).toThrow(message);
    expect(heed.memory().numTensors).toBe(before);
  });

  it('an unregistered scorer lists the registered ones', () => {
    expect(() => createModel(heed, { architectures: ['AttentionSeq2Seq'], ...base, score: 'nope' })).toThrow(PluginNotFoundError);
    expect(() => createModel(heed, { architectures: ['AttentionSeq2Seq'], ...base, score: 'nope' })).toThrow(/nope.*additive/s);
  });

  it('a scorer that cannot take the sizes says so (dot needs queryDim = keyDim; a bidirectional encoder doubles keys)', () => {
    expect(() => createModel(heed, { ...att, attention: 'luong', score: 'dot', bidirectional: true })).toThrow(ShapeError);
    const ok = createModel<AttentionSeq2Seq>(heed, { architectures: ['AttentionSeq2Seq'], ...base, attention: 'luong', score: 'dot' });
    ok.dispose();
  });
});

describe('batch errors name the input', () => {
  let model: Seq2Seq;
  let lm: RNNLM;
  beforeAll(() => {
    model = createModel<Seq2Seq>(heed, { architectures: ['Seq2Seq'], ...base });
    lm = createModel<RNNLM>(heed, { architectures: ['RNNLM'], vocab_size: 6, embedding_size: 4, hidden_size: 4 });
  });
  afterAll(() => {
    model.dispose();
    lm.dispose();
  });

  it('source and target ids outside the vocabularies', () => {
    const run = (batch: Seq2SeqBatch) => (): unknown => heed.tidy(() => model.forward(batch));
    expect(run({ inputIds: ids([[1, 7]]), labels: ids([[3, 2]]) })).toThrow(ArgumentError);
    expect(run({ inputIds: ids([[1, 7]]), labels: ids([[3, 2]]) })).toThrow(/inputIds\[0\]\[1\] = 7 is outside \[0, 7\) \(src_vocab_size\)/);
    expect(run({ inputIds: ids([[1, 2]]), labels: ids([[3, 9]]) })).toThrow(/labels\[0\]\[1\] = 9 is outside \[0, 9\) \(tgt_vocab_size\) and is not/);
    expect(run({ inputIds: ids([[1, 2]]), decoderInputIds: ids([[-1, 2]]) })).toThrow(/decoderInputIds\[0\]\[0\] = -1/);
    expect(() => heed.tidy(() => lm.forward({ inputIds: ids([[1, 6]]) }))).toThrow(/RNNLM: inputIds\[0\]\[1\] = 6 is outside \[0, 6\) \(vocab_size\)/);
  });

  it('mismatched shapes and dtypes', () => {
    const t = (fn: () => unknown): (() => unknown) => () => heed.tidy(fn);
    expect(t(() => model.forward({ inputIds: ids([[1, 2]]), labels: ids([[3, 2], [1, 1]]) }))).toThrow(/Seq2Seq: labels has 2 rows, the batch has 1/);
    const src = { inputIds: ids([[1, 2]]) };
    const mismatch = { ...src, decoderInputIds: ids([[1, 2, 3]]), labels: ids([[3, 2]]) };
    expect(t(() => model.forward(mismatch))).toThrow(/labels \[1,2\] and decoderInputIds \[1,3\] differ/);
    expect(t(() => model.forward({ ...src, attentionMask: tensor([[1, 1]], [1, 2], 'int32'), labels: ids([[3, 2]]) }))).toThrow(DTypeError);
    expect(t(() => model.forward({ ...src, attentionMask: tensor([[true]], [1, 1], 'bool'), labels: ids([[3, 2]]) }))).toThrow(
      /attentionMask bool \[1,1\] must have the shape of the ids \[1,2\]/,
    );
    src.inputIds.dispose();
    expect(t(() => model.forward({ inputIds: tensor([[1, 2]]), labels: ids([[3, 2]]) }))).toThrow(/inputIds must be int32 token ids, got float32/);
    expect(t(() => model.forward({ inputIds: ids([[1, 2]]) }))).toThrow(/the batch has no decoderInputIds or labels/);
    expect(t(() => lm.forward({ inputIds: ids([[1, 2, 3]]), labels: ids([[1, 2]]) }))).toThrow(/labels \[1,2\] must have the shape of inputIds/);
  });

  it('sessions check their tokens and row indices', () => {
    const src = ids([[1, 2, 3]]);
    const s = model.startDecoding({ inputIds: src });
    expect(() => s.step(Int32Array.from([9]))).toThrow(/token 9 at row 0 is outside \[0, 9\)/);
    expect(() => s.step(Int32Array.from([1, 1]))).toThrow(/step expects 1 tokens \(one per row\), got 2/);
    expect(() => s.select(Int32Array.from([1]))).toThrow(/select index 1 at 0 is outside \[0, 1\)/);
    s.dispose();
    expect(() => s.step(Int32Array.from([1]))).toThrow(/after dispose/);
    src.dispose();
  });
});
