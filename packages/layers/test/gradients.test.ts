/** Finite-difference gradient checks of every layer (inputs and parameters). */
import { describe, expect, it } from 'vitest';
import { add, concat, mul, noGrad, randomNormal, reshape, tensor, type Tensor } from '@heed/core';
import {
  Activation,
  Attention,
  Dropout,
  Embedding,
  GRU,
  GRUCell,
  LSTM,
  LSTMCell,
  LayerNorm,
  LearnedPositionalEncoding,
  Linear,
  MultiHeadAttention,
  PositionwiseFFN,
  RNN,
  RNNCell,
  ResidualNorm,
  SinusoidalPositionalEncoding,
  TransformerDecoderLayer,
  TransformerEncoderLayer,
  type Module,
} from '../src/index.js';
import { gradCheckLayer } from './gradcheck.js';
import { forEachBackend } from './helpers.js';

const x = (shape: number[], seed = 1): Tensor => randomNormal(shape, 0, 0.8, { seed });
const check = (m: Module, f: (...xs: Tensor[]) => Tensor, xs: Tensor[], perTensor?: number): Promise<void> =>
  gradCheckLayer(f, xs, m.trainableParameters(), perTensor !== undefined ? { perTensor } : {});

forEachBackend((_backend, getHeed) => {
  describe('gradients match finite differences', () => {
    it('the check itself catches a wrong gradient', async () => {
      // f(a) = a · stop(a): autograd sees a·c (gradient c = a), finite differences see a² (2a).
      const wrong = (a: Tensor): Tensor => mul(a, noGrad(() => add(a, 0)));
      await expect(gradCheckLayer((a) => wrong(a!), [x([2, 3])], [])).rejects.toThrow(/input 0 element \d+: autograd/);
    });

    it('Linear', () => {
      const m = new Linear(3, 4, { seed: 1 });
      return check(m, (a) => m.forward(a!), [x([2, 2, 3])]);
    });
    it('Embedding', () => {
      const m = new Embedding(5, 3, { seed: 1 });
      const ids = tensor(Int32Array.from([0, 3, 3, 1]), [2, 2], 'int32');
      return check(m, () => m.forward(ids), [], 8);
    });
    it('LayerNorm', () => {
      const m = new LayerNorm(4, { seed: 1 });
      return check(m, (a) => m.forward(a!), [x([3, 4])]);
    });
    it('Activation (gelu, tanh) and Dropout (seeded, training)', async () => {
      const g = new Activation('gelu');
      await check(g, (a) => g.forward(a!), [x([2, 3])]);
      const t = new Activation('tanh');
      await check(t, (a) => t.forward(a!), [x([2, 3])]);
      await gradCheckLayer((a) => new Dropout(0.4, { seed: 3 }).forward(a!), [x([3, 4])], [], { perTensor: 8 });
    });
    it('RNNCell, LSTMCell (peephole), GRUCell (both formulations)', async () => {
      const rnn = new RNNCell(3, 4, { seed: 1 });
      await check(rnn, (a, h) => rnn.forward(a!, h!), [x([2, 3]), x([2, 4], 2)]);
      const lstm = new LSTMCell(3, 4, { seed: 2, peephole: true });
      await check(lstm, (a, h, c) => { const s = lstm.forward(a!, { h: h!, c: c! }); return tensorSum(s.h, s.c); }, [x([2, 3]), x([2, 4], 2), x([2, 4], 3)]);
      for (const linearBeforeReset of [true, false]) {
        const gru = new GRUCell(3, 4, { seed: 3, linearBeforeReset });
        await check(gru, (a, h) => gru.forward(a!, h!), [x([2, 3]), x([2, 4], 2)]);
      }
    });
    it('RNN (bidirectional, lengths)', () => {
      const m = new RNN(3, 4, { seed: 1, bidirectional: true });
      return check(m, (a) => { const o = m.forward(a!, { lengths: [3, 1] }); return tensorSum(o.output, o.h); }, [x([3, 2, 3])]);
    });
    it('LSTM (2 layers, bidirectional, lengths, initial states)', () => {
      const m = new LSTM(3, 4, { seed: 1, bidirectional: true, numLayers: 2 });
      return check(m, (a, h0, c0) => { const o = m.forward(a!, { h0: h0!, c0: c0!, lengths: [3, 2] }); return tensorSum(o.output, o.h, o.c); }, [x([3, 2, 3]), x([4, 2, 4], 2), x([4, 2, 4], 3)], 3);
    });
    it('LSTM with peepholes', () => {
      const m = new LSTM(3, 4, { seed: 2, peephole: true });
      return check(m, (a) => { const o = m.forward(a!, { lengths: [3, 2] }); return tensorSum(o.output, o.c); }, [x([3, 2, 3])]);
    });
    it('GRU (both formulations, bidirectional, lengths)', async () => {
      for (const linearBeforeReset of [true, false]) {
        const m = new GRU(3, 4, { seed: 3, bidirectional: true, linearBeforeReset });
        await check(m, (a) => { const o = m.forward(a!, { lengths: [2, 3] }); return tensorSum(o.output, o.h); }, [x([3, 2, 3])]);
      }
    });
    it('Attention with every built-in scorer (masked)', async () => {
      const mask = tensor([[true, true, false], [true, true, true]]);
      for (const score of ['dot', 'scaled-dot', 'general', 'additive', 'cosine', 'location']) {
        const m = new Attention(getHeed(), { score, queryDim: 4, keyDim: 4, maxKeys: 3, seed: 1 });
        await check(m, (q, k, v) => { const o = m.forward(q!, k!, v!, { keyMask: mask }); return tensorSum(o.context, o.weights); }, [x([2, 2, 4]), x([2, 3, 4], 2), x([2, 3, 2], 3)], 3);
      }
    });
    it('MultiHeadAttention (fused and explicit paths, masks, causal)', async () => {
      const m = new MultiHeadAttention(4, 2, { seed: 1 });
      const keyMask = tensor([[true, true, true], [true, true, false]]);
      await check(m, (q) => m.forward(q!, q!, q!, { causal: true, keyMask }).output, [x([2, 3, 4])], 3);
      await check(m, (q, k) => { const o = m.forward(q!, k!, k!, { keyMask, needWeights: true }); return tensorSum(o.output, o.weights!); }, [x([2, 2, 4]), x([2, 3, 4], 2)], 3);
    });
    it('positional encodings, FFN, residual + LayerNorm (post and pre)', async () => {
      const learned = new LearnedPositionalEncoding(6, 4, { seed: 1 });
      await check(learned, (a) => learned.forward(a!, 2), [x([2, 3, 4])]);
      const sin = new SinusoidalPositionalEncoding(8, 4);
      await check(sin, (a) => sin.forward(a!, 1), [x([2, 3, 4])]);
      const ffn = new PositionwiseFFN(4, 6, { seed: 2, activation: 'gelu' });
      await check(ffn, (a) => ffn.forward(a!), [x([2, 3, 4])], 3);
      for (const placement of ['post', 'pre'] as const) {
        const res = new ResidualNorm(4, placement, { seed: 3 });
        const inner = new Linear(4, 4, { seed: 4 });
        await gradCheckLayer((a) => res.forward(a!, (y) => inner.forward(y)), [x([2, 4])], [...res.trainableParameters(), ...inner.trainableParameters()]);
      }
    });
    it('Transformer encoder and decoder layers', async () => {
      const enc = new TransformerEncoderLayer({ dModel: 4, numHeads: 2, dFF: 6, dropout: 0, activation: 'gelu', seed: 1 });
      const keyMask = tensor([[true, true, true], [true, true, false]]);
      await check(enc, (a) => enc.forward(a!, { keyMask }), [x([2, 3, 4])], 2);
      const dec = new TransformerDecoderLayer({ dModel: 4, numHeads: 2, dFF: 6, dropout: 0, activation: 'gelu', norm: 'pre', seed: 2 });
      await check(dec, (a, mem) => dec.forward(a!, mem!, { memoryKeyMask: keyMask }), [x([2, 2, 4]), x([2, 3, 4], 2)], 2);
    });
  });
});

/** Several outputs flattened into one (so one weighted loss covers them all). */
function tensorSum(...ts: Tensor[]): Tensor {
  return concat(ts.map((t) => reshape(t, [-1])), 0);
}
