/**
 * Seq2Seq and AttentionSeq2Seq (Bahdanau, Luong): decoding sessions agree with the
 * teacher-forced pass, padding leaves real positions alone, save/load round trips,
 * gradients flow, attention weights are distributions over the real source tokens.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Adam, logSoftmax, tensor, variableGrads, type Heed, type Tensor } from '@heed/core';
import { AttentionSeq2Seq, Seq2Seq, createModel } from '../src/index.js';
import type { AttentionSeq2SeqConfig, RecurrentSeq2SeqBase, FullSeq2SeqConfig, Seq2SeqBatch } from '../src/index.js';
import { loadModel } from '../src/node.js';
import { testHeed } from './helpers.js';

let heed: Heed;
beforeAll(async () => {
  heed = await testHeed('cpu');
});
afterAll(() => heed.dispose());

type AnyS2S = RecurrentSeq2SeqBase<FullSeq2SeqConfig>;
const SRC_V = 13;
const TGT_V = 11;
const S2S = { architectures: ['Seq2Seq'], src_vocab_size: SRC_V, tgt_vocab_size: TGT_V };
const ATT = { architectures: ['AttentionSeq2Seq'], src_vocab_size: SRC_V, tgt_vocab_size: TGT_V };
const LSTM2 = { num_layers: 2, cell: 'lstm', bidirectional: true } as const;

/** Model variants under test: [name, config]. */
const VARIANTS: [string, AttentionSeq2SeqConfig][] = [
  ['Seq2Seq gru', { ...S2S, embedding_size: 6, hidden_size: 8 }],
  ['Seq2Seq lstm, 2 layers, bidirectional, tied', { ...S2S, ...LSTM2, embedding_size: 8, hidden_size: 8, tie_word_embeddings: true, dropout: 0.2 }],
  ['Bahdanau gru additive', { ...ATT, embedding_size: 6, hidden_size: 8 }],
  ['Bahdanau lstm, 2 layers, bidirectional', { ...ATT, ...LSTM2, embedding_size: 6, hidden_size: 8, attention_size: 5, dropout: 0.1 }],
  ['Luong gru general', { ...ATT, embedding_size: 6, hidden_size: 8, attention: 'luong', score: 'general' }],
  ['Luong lstm, 2 layers, bidirectional, additive', { ...ATT, ...LSTM2, embedding_size: 6, hidden_size: 8, attention: 'luong' }],
];

const ids = (rows: number[][]): Tensor => tensor(Int32Array.from(rows.flat()), [rows.length, rows[0]!.length], 'int32');
const bools = (rows: boolean[][]): Tensor => tensor(rows.flat(), [rows.length, rows[0]!.length], 'bool');
const SRC = [
  [3, 4, 5, 6, 7],
  [8, 9, 10, 0, 0],
];
const MASK = [
  [true, true, true, true, true],
  [true, true, true, false, false],
];
const TGT = [
  [5, 6, 3, 7, 2],
  [4, 8, 9, 2, 0],
];

/** The test batch with labels. */
const labelled = (): Seq2SeqBatch => ({ inputIds: ids(SRC), attentionMask: bools(MASK), labels: ids(TGT) });

function build(config: AttentionSeq2SeqConfig, seed = 1): AnyS2S {
  return createModel<AnyS2S>(heed, config, { seed });
}

async function values(t: Tensor): Promise<Float32Array> {
  const v = (await t.data()) as Float32Array;
  t.dispose();
  return v;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe.each(VARIANTS)('%s', (_name, config) => {
  it('a decoding session gives the teacher-forced log-probs step by step (≤ 1e-5), also after select', async () => {
    const model = build(config).eval();
    const before = heed.memory().numTensors;
    const tgtIn = [[1, ...TGT[0]!.slice(0, -1)], [1, ...TGT[1]!.slice(0, -1)]];
    const batch = (): Seq2SeqBatch => ({ inputIds: ids(SRC), attentionMask: bools(MASK), decoderInputIds: ids(tgtIn) });
    const full = await values(heed.tidy(() => logSoftmax(model.forward(batch()).logits)));
    const src = ids(SRC);
    const mask = bools(MASK);
    const session = model.startDecoding({ inputIds: src, attentionMask: mask });
    src.dispose();
    mask.dispose();
    let worst = 0;
    for (let t = 0; t < 5; t++) {
      // From step 2 on, rows are swapped and duplicated: [row1, row0, row1].
      const order = t < 2 ? [0, 1] : [1, 0, 1];
      if (t === 2) session.select(Int32Array.from([1, 0, 1]));
      const lp = await values(session.step(Int32Array.from(order.map((r) => tgtIn[r]![t]!))));
      order.forEach((r, i) => {
        const ref = full.subarray((r * 5 + t) * TGT_V, (r * 5 + t + 1) * TGT_V);
        worst = Math.max(worst, maxAbsDiff(lp.subarray(i * TGT_V, (i + 1) * TGT_V), ref));
      });
    }
    session.dispose();
    session.dispose();
    expect(worst).toBeLessThanOrEqual(1e-5);
    expect(heed.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('source padding and target padding do not change the real positions; labels of -100 are left out of the loss', async () => {
    const model = build(config).eval();
    const short = await values(heed.tidy(() => model.forward({ inputIds: ids([[8, 9, 10]]), decoderInputIds: ids([[1, 4, 8]]) }).logits));
    const padded = await values(
      heed.tidy(() => {
        const batch = { inputIds: ids([[8, 9, 10, 0, 0]]), attentionMask: bools([MASK[1]!]), decoderInputIds: ids([[1, 4, 8, 9, 2]]) };
        return model.forward(batch).logits;
      }),
    );
    expect(maxAbsDiff(short, padded.subarray(0, 3 * TGT_V))).toBeLessThanOrEqual(1e-6);
    const [lossShort, lossPadded] = await Promise.all(
      heed.tidy(() => [
        model.forward({ inputIds: ids([[8, 9, 10]]), labels: ids([[4, 8, 9]]) }).loss!,
        model.forward({ inputIds: ids([[8, 9, 10, 0, 0]]), attentionMask: bools([MASK[1]!]), labels: ids([[4, 8, 9, -100, -100]]) }).loss!,
      ]).map(values),
    );
    expect(Math.abs(lossShort![0]! - lossPadded![0]!)).toBeLessThanOrEqual(1e-6);
    model.dispose();
  });

  it('saves and loads with identical outputs', async () => {
    const model = build(config, 5).eval();
    const dir = await mkdtemp(join(tmpdir(), 'heed-s2s-'));
    await model.save(dir);
    const loaded = await loadModel<AnyS2S>(heed, dir);
    expect(loaded.constructor).toBe(model.constructor);
    expect(loaded.config).toEqual(model.config);
    const run = (m: AnyS2S): Promise<Float32Array> => values(heed.tidy(() => m.forward(labelled()).logits));
    expect(Array.from(await run(loaded))).toEqual(Array.from(await run(model)));
    model.dispose();
    loaded.dispose();
  });

  it('gradients reach every parameter and a few Adam steps reduce the loss; memory stays flat', async () => {
    const model = build(config, 2);
    const opt = new Adam(0.03);
    const evalLoss = async (): Promise<number> => {
      model.eval();
      const l = (await values(heed.tidy(() => model.forward(labelled()).loss!)))[0]!;
      model.train();
      return l;
    };
    const initial = await evalLoss();
    let before = 0;
    for (let step = 0; step < 15; step++) {
      if (step === 2) before = heed.memory().numTensors;
      heed.tidy(() => {
        const { value, grads } = variableGrads(() => model.forward(labelled()).loss!, model.trainableParameters());
        if (step === 0) {
          const silent = [...grads].filter(([, g]) => g.dataSync().every((x) => x === 0)).map(([v]) => v.name);
          expect(silent).toEqual([]);
        }
        opt.step(grads);
        value.dispose();
      });
    }
    expect(heed.memory().numTensors).toBe(before);
    const final = await evalLoss();
    expect(final).toBeLessThan(initial * 0.6);
    opt.dispose();
    model.dispose();
  });
});

it('label smoothing ε gives (1 − ε)·NLL + ε·mean(−log p) over the labels that are not -100, checked by hand', async () => {
  const model = build({ ...ATT, embedding_size: 6, hidden_size: 8, label_smoothing: 0.1 }).eval();
  const labels = [
    [5, 6, 3, 7, 2],
    [4, 8, 2, -100, -100],
  ];
  const batch = (): Seq2SeqBatch => ({ inputIds: ids(SRC), attentionMask: bools(MASK), labels: ids(labels) });
  const logp = await values(heed.tidy(() => logSoftmax(model.forward(batch()).logits)));
  const loss = (await values(heed.tidy(() => model.forward(batch()).loss!)))[0]!;
  let sum = 0;
  let n = 0;
  labels.forEach((row, r) =>
    row.forEach((y, t) => {
      if (y === -100) return;
      const lp = logp.subarray((r * 5 + t) * TGT_V, (r * 5 + t + 1) * TGT_V);
      sum += 0.9 * -lp[y]! + 0.1 * -(lp.reduce((a, b) => a + b, 0) / TGT_V);
      n++;
    }),
  );
  expect(Math.abs(loss - sum / n)).toBeLessThanOrEqual(1e-5);
  model.dispose();
});

describe('attention weights', () => {
  it.each(['bahdanau', 'luong'] as const)('%s: [b, T, S] distributions over the real source tokens, also from attentionFor', async (attention) => {
    const model = build({ ...ATT, embedding_size: 6, hidden_size: 8, attention }).eval();
    expect(model).toBeInstanceOf(AttentionSeq2Seq);
    const w = heed.tidy(() => model.forward(labelled(), { outputAttentions: true }).attentions!);
    expect(w.shape).toEqual([2, 5, 5]);
    const a = await values(w);
    for (let r = 0; r < 2; r++) {
      for (let t = 0; t < 5; t++) {
        const row = a.subarray((r * 5 + t) * 5, (r * 5 + t + 1) * 5);
        expect(row.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 5);
        MASK[r]!.forEach((real, s) => (real ? expect(row[s]).toBeGreaterThan(0) : expect(row[s]).toBe(0)));
      }
    }
    const again = heed.tidy(() => (model as AttentionSeq2Seq).attentionFor({ inputIds: ids(SRC), attentionMask: bools(MASK) }, ids(TGT))!);
    expect(Array.from(await values(again))).toEqual(Array.from(a));
    model.dispose();
  });

  it('plain Seq2Seq has none, and is a Seq2Seq', () => {
    const model = build(VARIANTS[0]![1]);
    expect(model).toBeInstanceOf(Seq2Seq);
    const out = heed.tidy(() => {
      const o = model.forward({ inputIds: ids(SRC), labels: ids(TGT) }, { outputAttentions: true });
      return { has: o.attentions !== undefined, shape: o.logits.shape };
    });
    expect(out).toEqual({ has: false, shape: [2, 5, TGT_V] });
    model.dispose();
  });
});
