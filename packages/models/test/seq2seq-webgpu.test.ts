/**
 * The recurrent models on WebGPU (Dawn; lavapipe without a GPU) agree with the CPU backend:
 * the teacher-forced pass with padding, a decoding session step by step, and beam search.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logSoftmax, tensor, type Heed, type Tensor } from '@heed/core';
import { beamSearch, createModel, type ModelConfig, type RNNLM, type RecurrentSeq2SeqBase, type FullSeq2SeqConfig } from '../src/index.js';
import { testHeed } from './helpers.js';

let cpu: Heed;
let gpu: Heed;
beforeAll(async () => {
  cpu = await testHeed('cpu');
  gpu = await testHeed('webgpu');
});
afterAll(() => {
  cpu?.dispose();
  gpu?.dispose();
});

type S2S = RecurrentSeq2SeqBase<FullSeq2SeqConfig>;
const SRC = [
  [3, 4, 5, 6, 7],
  [8, 9, 10, 0, 0],
];
const MASK = SRC.map((r, i) => r.map((_, t) => i === 0 || t < 3));
const TGT_IN = [
  [1, 5, 6, 3, 7],
  [1, 4, 8, 9, 2],
];

function inputs(heed: Heed): { inputIds: Tensor; attentionMask: Tensor; decoderInputIds: Tensor } {
  const o = { engine: heed.engine };
  return {
    inputIds: tensor(Int32Array.from(SRC.flat()), [2, 5], 'int32', o),
    attentionMask: tensor(MASK.flat(), [2, 5], 'bool', o),
    decoderInputIds: tensor(Int32Array.from(TGT_IN.flat()), [2, 5], 'int32', o),
  };
}

async function read(heed: Heed, fn: () => Tensor): Promise<Float32Array> {
  const t = heed.tidy(fn);
  const v = (await t.data()) as Float32Array;
  t.dispose();
  return v;
}

const maxAbsDiff = (a: Float32Array, b: Float32Array): number => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0);

const SIZES = { src_vocab_size: 11, tgt_vocab_size: 11, embedding_size: 6, hidden_size: 8 };
const CONFIGS: [string, ModelConfig][] = [
  ['Seq2Seq lstm bidirectional', { architectures: ['Seq2Seq'], ...SIZES, cell: 'lstm', bidirectional: true }],
  ['Bahdanau gru bidirectional', { architectures: ['AttentionSeq2Seq'], ...SIZES, bidirectional: true }],
  ['Luong lstm 2 layers', { architectures: ['AttentionSeq2Seq'], ...SIZES, num_layers: 2, cell: 'lstm', attention: 'luong' }],
];

describe.each(CONFIGS)('%s', (_name, config) => {
  it('WebGPU agrees with the CPU: teacher-forced log-probs, session steps and beam search', async () => {
    const a = createModel<S2S>(cpu, config, { seed: 3 }).eval();
    const b = createModel<S2S>(gpu, config, { seed: 3 }).eval();
    const full = async (h: Heed, m: S2S): Promise<Float32Array> => read(h, () => logSoftmax(m.forward(inputs(h)).logits));
    const fa = await full(cpu, a);
    expect(maxAbsDiff(fa, await full(gpu, b))).toBeLessThanOrEqual(1e-4);
    // One session on WebGPU, compared with the CPU's teacher-forced log-probs.
    const src = inputs(gpu);
    const session = gpu.tidy(() => b.startDecoding({ inputIds: src.inputIds, attentionMask: src.attentionMask }));
    let worst = 0;
    for (let t = 0; t < 5; t++) {
      const lp = await read(gpu, () => session.step(Int32Array.from(TGT_IN.map((r) => r[t]!))));
      for (let r = 0; r < 2; r++) {
        worst = Math.max(worst, maxAbsDiff(lp.subarray(r * 11, (r + 1) * 11), fa.subarray((r * 5 + t) * 11, (r * 5 + t + 1) * 11)));
      }
    }
    session.dispose();
    expect(worst).toBeLessThanOrEqual(1e-4);
    const beams = async (h: Heed, m: S2S): Promise<number[][]> => {
      const x = inputs(h);
      const out = await beamSearch(m, { inputIds: x.inputIds, attentionMask: x.attentionMask }, { beamSize: 3, maxLength: 6 });
      for (const t of Object.values(x)) t.dispose();
      return out.map((hyps) => hyps[0]!.tokens);
    };
    expect(await beams(gpu, b)).toEqual(await beams(cpu, a));
    for (const t of Object.values(src)) t.dispose();
    a.dispose();
    b.dispose();
  });
});

it('RNNLM on WebGPU agrees with the CPU, host prompts included', async () => {
  const config = { architectures: ['RNNLM'], vocab_size: 11, embedding_size: 6, hidden_size: 8, num_layers: 2, cell: 'gru' as const };
  const a = createModel<RNNLM>(cpu, config, { seed: 4 }).eval();
  const b = createModel<RNNLM>(gpu, config, { seed: 4 }).eval();
  const run = (h: Heed, m: RNNLM): Promise<Float32Array> =>
    read(h, () => {
      const { inputIds, attentionMask } = inputs(h);
      return m.forward({ inputIds, attentionMask }).logits;
    });
  expect(maxAbsDiff(await run(cpu, a), await run(gpu, b))).toBeLessThanOrEqual(1e-4);
  // Host prompts of different lengths work on WebGPU too (nothing is read back).
  const first = async (h: Heed, m: RNNLM): Promise<Float32Array> => {
    const session = h.tidy(() => m.startDecoding({ prompts: [[1, 4, 5], [1, 8]] }));
    const lp = await read(h, () => session.step(session.startTokens!));
    session.dispose();
    return lp;
  };
  expect(maxAbsDiff(await first(cpu, a), await first(gpu, b))).toBeLessThanOrEqual(1e-4);
  a.dispose();
  b.dispose();
});
