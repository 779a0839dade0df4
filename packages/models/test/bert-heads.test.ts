/** BERT heads: losses against hand computation, -100 ignored, the tied decoder's gradient, and a learning check with flat memory. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Adam, tensor, variableGrads, type Heed, type Tensor } from '@heed/core';
import {
  createModel,
  type BertForMaskedLM,
  type BertForPreTraining,
  type BertForQuestionAnswering,
  type BertForSequenceClassification,
  type BertForTokenClassification,
} from '../src/index.js';
import { testHeed } from './helpers.js';
import { tinyBatch, tinyBertConfig } from './bert-helpers.js';

let heed: Heed;
beforeAll(async () => {
  heed = await testHeed('cpu');
});
afterAll(() => heed.dispose());

const ints = (v: number[], shape: number[]): Tensor => tensor(v, shape, 'int32', { engine: heed.engine });

/** Mean over rows with label ≠ -100 of −log softmax(row)[label], in float64. */
function handCE(logits: Float32Array, c: number, labels: number[]): number {
  let sum = 0;
  let n = 0;
  labels.forEach((y, r) => {
    if (y === -100) return;
    const row = logits.subarray(r * c, (r + 1) * c);
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((a, x) => a + Math.exp(x - m), 0));
    sum += lse - row[y]!;
    n++;
  });
  return sum / n;
}

function model<M>(arch: string, extra = {}): M {
  return (createModel(heed, { ...tinyBertConfig(extra), architectures: [arch] }, { seed: 2 }) as unknown as { eval(): M }).eval();
}

describe('BERT heads', () => {
  it('masked LM: loss is the mean over labelled positions (-100 ignored), also through maskedPositions', async () => {
    const m = model<BertForMaskedLM>('BertForMaskedLM');
    const batch = tinyBatch(heed);
    const labelVals = Array.from({ length: 18 }, (_, i) => (i % 4 === 1 ? (i * 7) % 97 : -100));
    const labels = ints(labelVals, [2, 9]);
    const out = m.forward({ ...batch, labels });
    const expected = handCE(new Float32Array(await out.logits!.data()), 97, labelVals);
    expect((await out.loss!.data())[0]).toBeCloseTo(expected, 5);
    const positions = labelVals.flatMap((y, i) => (y === -100 ? [] : [i]));
    const fast = m.forward({ ...batch, labels, maskedPositions: ints(positions, [positions.length]) });
    expect(fast.logits!.shape).toEqual([positions.length, 97]);
    expect((await fast.loss!.data())[0]).toBeCloseTo(expected, 5);
    m.dispose();
  });

  it('pre-training: loss = MLM + NSP, each as computed by hand', async () => {
    const m = model<BertForPreTraining>('BertForPreTraining');
    const batch = tinyBatch(heed);
    const labelVals = Array.from({ length: 18 }, (_, i) => (i % 3 === 0 ? i + 10 : -100));
    const out = m.forward({ ...batch, labels: ints(labelVals, [2, 9]), nextSentenceLabel: ints([1, 0], [2]) });
    const mlm = handCE(new Float32Array(await out.predictionLogits.data()), 97, labelVals);
    const nsp = handCE(new Float32Array(await out.seqRelationshipLogits.data()), 2, [1, 0]);
    expect((await out.mlmLoss!.data())[0]).toBeCloseTo(mlm, 5);
    expect((await out.nspLoss!.data())[0]).toBeCloseTo(nsp, 5);
    expect((await out.loss!.data())[0]).toBeCloseTo(mlm + nsp, 5);
    expect(m.forward(batch).loss).toBeUndefined();
    m.dispose();
  });

  it('sequence classification (cross-entropy; MSE with one label), token classification (-100 ignored), QA (clamped, ignored at S)', async () => {
    const batch = tinyBatch(heed);
    const seq = model<BertForSequenceClassification>('BertForSequenceClassification', { num_labels: 3 });
    const so = seq.forward({ ...batch, labels: ints([2, 0], [2]) });
    expect((await so.loss!.data())[0]).toBeCloseTo(handCE(new Float32Array(await so.logits!.data()), 3, [2, 0]), 5);
    const reg = model<BertForSequenceClassification>('BertForSequenceClassification', { num_labels: 1 });
    const ro = reg.forward({ ...batch, labels: tensor([0.5, -1], [2], 'float32', { engine: heed.engine }) });
    const rl = await ro.logits!.data();
    expect((await ro.loss!.data())[0]).toBeCloseTo(((rl[0]! - 0.5) ** 2 + (rl[1]! + 1) ** 2) / 2, 5);

    const tok = model<BertForTokenClassification>('BertForTokenClassification', { id2label: { 0: 'O', 1: 'B-PER', 2: 'I-PER', 3: 'B-LOC' } });
    const tl = Array.from({ length: 18 }, (_, i) => (i % 9 === 0 || i >= 15 ? -100 : i % 4));
    const to = tok.forward({ ...batch, labels: ints(tl, [2, 9]) });
    expect(to.logits!.shape).toEqual([2, 9, 4]);
    expect((await to.loss!.data())[0]).toBeCloseTo(handCE(new Float32Array(await to.logits!.data()), 4, tl), 5);

    const qa = model<BertForQuestionAnswering>('BertForQuestionAnswering');
    const qo = qa.forward({ ...batch, startPositions: ints([3, 40], [2]), endPositions: ints([5, 2], [2]) });
    const st = new Float32Array(await qo.startLogits.data());
    const en = new Float32Array(await qo.endLogits.data());
    // Row 1's start (40) is clamped to S = 9 and ignored, as in HF.
    const expected = (handCE(st, 9, [3, -100]) + handCE(en, 9, [5, 2])) / 2;
    expect((await qo.loss!.data())[0]).toBeCloseTo(expected, 5);
    for (const x of [seq, reg, tok, qa]) x.dispose();
  });

  it("the MLM decoder is tied to the word embeddings: their gradient includes the decoder's, by finite differences", async () => {
    const m = model<BertForMaskedLM>('BertForMaskedLM', { num_hidden_layers: 1 });
    const batch = tinyBatch(heed);
    const labels = ints(
      Array.from({ length: 18 }, (_, i) => (i % 2 ? 42 : -100)),
      [2, 9],
    );
    const w = m.bert.embeddings.word_embeddings.weight;
    const lossAt = (): number => heed.engine.tidy(() => m.forward({ ...batch, labels }).loss!.dataSync()[0]!);
    const { grads } = variableGrads(() => m.forward({ ...batch, labels }).loss!, [w]);
    const g = grads.get(w)!.dataSync();
    const base = new Float32Array(w.dataSync());
    // Row 42 appears only as a label here (no input id is 42), so its gradient comes through the decoder alone.
    for (const [row, col] of [
      [42, 3],
      [42, 17],
      [7, 5],
    ] as const) {
      const i = row * 64 + col;
      const h = 1e-2;
      const at = (v: number): number => {
        const vals = new Float32Array(base);
        vals[i] = v;
        const t = tensor(vals, w.shape, 'float32', { engine: heed.engine });
        w.assign(t);
        t.dispose();
        return lossAt();
      };
      const fd = (at(base[i]! + h) - at(base[i]! - h)) / (2 * h);
      expect(Math.abs(fd - g[i]!)).toBeLessThan(2e-3 + 0.05 * Math.abs(fd));
      expect(Math.abs(g[i]!)).toBeGreaterThan(1e-5);
    }
    m.dispose();
  });

  it('learns a token-presence task with dropout on, and memory stays flat over the steps', () => {
    const m = createModel<BertForSequenceClassification>(
      heed,
      { ...tinyBertConfig({ num_hidden_layers: 1 }), architectures: ['BertForSequenceClassification'] },
      { seed: 4 },
    );
    m.train();
    const opt = new Adam(3e-3);
    // label 1 iff token 5 occurs among 8 tokens drawn from 10..40; position 0 is [CLS]-like id 2.
    const rows = 16;
    const ids: number[] = [];
    const y: number[] = [];
    let state = 12345;
    const rand = (): number => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let r = 0; r < rows; r++) {
      const row = [2, ...Array.from({ length: 7 }, () => 10 + Math.floor(rand() * 30))];
      const pos = r % 2 ? 1 + Math.floor(rand() * 7) : -1;
      if (pos > 0) row[pos] = 5;
      ids.push(...row);
      y.push(r % 2);
    }
    const inputIds = ints(ids, [rows, 8]);
    const labels = ints(y, [rows]);
    let mem = 0;
    let last = Infinity;
    for (let step = 0; step < 60; step++) {
      heed.engine.tidy(() => {
        const { value, grads } = variableGrads(() => m.forward({ inputIds, labels }).loss!, m.trainableParameters());
        opt.step(grads);
        last = value.dataSync()[0]!;
      });
      if (step === 5) mem = heed.memory().numTensors;
      if (step > 5) expect(heed.memory().numTensors).toBe(mem);
    }
    m.eval();
    const pred = heed.engine.tidy(() => Array.from(m.forward({ inputIds }).logits!.dataSync()));
    const correct = y.filter((label, r) => (pred[2 * r + 1]! > pred[2 * r]! ? 1 : 0) === label).length;
    expect(last).toBeLessThan(0.1);
    expect(correct).toBe(rows);
    m.dispose();
  });
});
