/**
 * Finite differences: the gradients of the recurrent models' losses (through attention,
 * the bidirectional bridge, masking, tied outputs and the shifted LM loss) agree with
 * central differences of the loss, for sampled elements of every parameter.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng, tensor, variableGrads, type Heed, type Tensor, type Variable } from '@heed/core';
import { createModel, type Model, type ModelConfig } from '../src/index.js';
import { testHeed } from './helpers.js';

let heed: Heed;
beforeAll(async () => {
  heed = await testHeed('cpu');
});
afterAll(() => heed.dispose());

const ids = (rows: number[][]): Tensor => tensor(Int32Array.from(rows.flat()), [rows.length, rows[0]!.length], 'int32');
const bools = (rows: boolean[][]): Tensor => tensor(rows.flat(), [rows.length, rows[0]!.length], 'bool');
const SIZES = { src_vocab_size: 7, tgt_vocab_size: 6, embedding_size: 4, hidden_size: 4 };
const ATT = { architectures: ['AttentionSeq2Seq'], ...SIZES };
const seq2seqBatch = (): Record<string, Tensor> => ({
  inputIds: ids([
    [3, 4, 5, 6],
    [5, 6, 0, 0],
  ]),
  attentionMask: bools([
    [true, true, true, true],
    [true, true, false, false],
  ]),
  labels: ids([
    [4, 5, 3, 2],
    [3, 2, -100, -100],
  ]),
});
const lmBatch = (): Record<string, Tensor> => {
  const x = ids([
    [1, 4, 5, 3, 2],
    [1, 3, 3, 2, 0],
  ]);
  return { inputIds: x, labels: x, attentionMask: bools([[true, true, true, true, true], [true, true, true, true, false]]) };
};

const CASES: [string, ModelConfig, () => Record<string, Tensor>][] = [
  ['Bahdanau, bidirectional 2-layer LSTM (bridge)', { ...ATT, num_layers: 2, cell: 'lstm', bidirectional: true }, seq2seqBatch],
  ['Luong, GRU, general score', { ...ATT, attention: 'luong', score: 'general' }, seq2seqBatch],
  ['Seq2Seq, GRU, tied output, label smoothing', { architectures: ['Seq2Seq'], ...SIZES, tie_word_embeddings: true, label_smoothing: 0.1 }, seq2seqBatch],
  ['RNNLM, 2-layer LSTM', { architectures: ['RNNLM'], vocab_size: 6, embedding_size: 4, hidden_size: 4, num_layers: 2 }, lmBatch],
];

describe.each(CASES)('%s', (_name, config, batch) => {
  it('analytic gradients match central differences (3 elements of every parameter)', () => {
    const model = createModel<Model>(heed, config, { seed: 11 }).eval();
    const loss = (): number => heed.tidy(() => (model.forward(batch()).loss as Tensor).dataSync()[0]!);
    const params = model.trainableParameters();
    const analytic = heed.tidy(() => {
      const { value, grads } = variableGrads(() => model.forward(batch()).loss as Tensor, params);
      value.dispose();
      return new Map([...grads].map(([v, g]) => [v, Float32Array.from(g.dataSync() as Float32Array)]));
    });
    const rng = new Rng(5);
    const eps = 1e-2;
    const bad: string[] = [];
    const set = (v: Variable, values: Float32Array): void => {
      const t = tensor(values, [...v.shape], 'float32');
      v.assign(t);
      t.dispose();
    };
    for (const v of params) {
      const base = Float32Array.from(v.dataSync() as Float32Array);
      for (let k = 0; k < 3; k++) {
        const i = rng.int(base.length);
        const probe = Float32Array.from(base);
        probe[i] = base[i]! + eps;
        set(v, probe);
        const up = loss();
        probe[i] = base[i]! - eps;
        set(v, probe);
        const down = loss();
        set(v, base);
        const numeric = (up - down) / (2 * eps);
        const g = analytic.get(v)![i]!;
        if (Math.abs(numeric - g) > 2e-3 + 2e-2 * Math.abs(g)) bad.push(`${v.name}[${i}]: analytic ${g}, numeric ${numeric}`);
      }
    }
    expect(bad).toEqual([]);
    model.dispose();
  });
});
