/**
 * RNNLM: decoding sessions (with and without a prompt) agree with the full forward pass,
 * padding leaves real positions alone, the loss shifts labels inside, save/load round
 * trips, gradients flow, and generation drives it through the shared session interface.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Adam, crossEntropy, logSoftmax, slice, tensor, variableGrads, type Heed, type Tensor } from '@heed/core';
import { RNNLM, createModel, greedy, type RNNLMConfig } from '../src/index.js';
import { loadModel } from '../src/node.js';
import { testHeed } from './helpers.js';

let heed: Heed;
beforeAll(async () => {
  heed = await testHeed('cpu');
});
afterAll(() => heed.dispose());

const V = 9;
const LM = { architectures: ['RNNLM'], vocab_size: V };
const ids = (rows: number[][]): Tensor => tensor(Int32Array.from(rows.flat()), [rows.length, rows[0]!.length], 'int32');
const bools = (rows: boolean[][]): Tensor => tensor(rows.flat(), [rows.length, rows[0]!.length], 'bool');
const SEQ = [
  [1, 4, 5, 6, 7, 8],
  [1, 8, 3, 3, 5, 2],
];

async function values(t: Tensor): Promise<Float32Array> {
  const v = (await t.data()) as Float32Array;
  t.dispose();
  return v;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  return a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0);
}

const VARIANTS: [string, RNNLMConfig][] = [
  ['lstm', { architectures: ['RNNLM'], vocab_size: V, embedding_size: 5, hidden_size: 7 }],
  ['gru, 2 layers, tied, dropout', { ...LM, embedding_size: 6, hidden_size: 6, num_layers: 2, cell: 'gru', tie_word_embeddings: true, dropout: 0.3 }],
];

describe.each(VARIANTS)('RNNLM %s', (_name, config) => {
  it('a session, with or without a prompt, gives the full pass log-probs step by step (≤ 1e-5)', async () => {
    const model = createModel<RNNLM>(heed, config, { seed: 4 }).eval();
    const before = heed.memory().numTensors;
    const full = await values(heed.tidy(() => logSoftmax(model.forward({ inputIds: ids(SEQ) }).logits)));
    const at = (r: number, t: number): Float32Array => full.subarray((r * 6 + t) * V, (r * 6 + t + 1) * V);
    // No prompt: feed BOS (the rows start with 1 = BOS) then the sequence.
    const s1 = model.startDecoding({ rows: 2 });
    expect(s1.startTokens).toBeUndefined();
    let worst = 0;
    for (let t = 0; t < 6; t++) {
      const lp = await values(s1.step(Int32Array.from(SEQ.map((r) => r[t]!))));
      for (let r = 0; r < 2; r++) worst = Math.max(worst, maxAbsDiff(lp.subarray(r * V, (r + 1) * V), at(r, t)));
    }
    s1.dispose();
    // A prompt of 3 tokens: the session consumes two and hands back the third as startTokens.
    const prompt = ids(SEQ.map((r) => r.slice(0, 3)));
    const s2 = model.startDecoding({ inputIds: prompt });
    prompt.dispose();
    expect(Array.from(s2.startTokens!)).toEqual([5, 3]);
    let lp = await values(s2.step(s2.startTokens!));
    for (let r = 0; r < 2; r++) worst = Math.max(worst, maxAbsDiff(lp.subarray(r * V, (r + 1) * V), at(r, 2)));
    s2.select(Int32Array.from([1, 1, 0]));
    lp = await values(s2.step(Int32Array.from([SEQ[1]![3]!, SEQ[1]![3]!, SEQ[0]![3]!])));
    [1, 1, 0].forEach((r, i) => (worst = Math.max(worst, maxAbsDiff(lp.subarray(i * V, (i + 1) * V), at(r, 3)))));
    s2.dispose();
    expect(worst).toBeLessThanOrEqual(1e-5);
    expect(heed.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('labels are shifted inside; padding (masked, labels -100) leaves the real positions and the loss alone', async () => {
    const model = createModel<RNNLM>(heed, config, { seed: 5 }).eval();
    const [byHand, loss] = await Promise.all(
      heed.tidy(() => {
        const x = ids(SEQ);
        const out = model.forward({ inputIds: x, labels: x });
        const manual = crossEntropy(slice(out.logits, [0, 0, 0], [2, 5, V]), slice(x, [0, 1], [2, 5]));
        return [manual, out.loss!];
      }).map(values),
    );
    expect(Math.abs(byHand![0]! - loss![0]!)).toBeLessThanOrEqual(1e-6);
    const short = ids([[1, 4, 5, 6]]);
    const longer = ids([[1, 4, 5, 6, 0, 0]]);
    const mask = bools([[true, true, true, true, false, false]]);
    const a = await values(heed.tidy(() => model.forward({ inputIds: short }).logits));
    const b = await values(heed.tidy(() => model.forward({ inputIds: longer, attentionMask: mask }).logits));
    expect(maxAbsDiff(a, b.subarray(0, 4 * V))).toBeLessThanOrEqual(1e-6);
    const both = [{ inputIds: short, labels: short }, { inputIds: longer, attentionMask: mask, labels: longer }];
    const [l1, l2] = await Promise.all(heed.tidy(() => both.map((x) => model.forward(x).loss!)).map(values));
    expect(Math.abs(l1![0]! - l2![0]!)).toBeLessThanOrEqual(1e-6);
    for (const t of [short, longer, mask]) t.dispose();
    model.dispose();
  });

  it('saves and loads with identical outputs; a few Adam steps lower the loss with flat memory', async () => {
    const model = createModel<RNNLM>(heed, config, { seed: 6 });
    const dir = await mkdtemp(join(tmpdir(), 'heed-rnnlm-'));
    await model.save(dir);
    const loaded = await loadModel<RNNLM>(heed, dir);
    model.eval();
    const run = (m: RNNLM): Promise<Float32Array> => values(heed.tidy(() => m.forward({ inputIds: ids(SEQ) }).logits));
    expect(Array.from(await run(loaded))).toEqual(Array.from(await run(model)));
    loaded.dispose();
    model.train();
    const opt = new Adam(0.03);
    const evalLoss = async (): Promise<number> => {
      model.eval();
      const l = (await values(heed.tidy(() => model.forward({ inputIds: ids(SEQ), labels: ids(SEQ) }).loss!)))[0]!;
      model.train();
      return l;
    };
    const initial = await evalLoss();
    let before = 0;
    for (let step = 0; step < 20; step++) {
      if (step === 2) before = heed.memory().numTensors;
      heed.tidy(() => {
        const { value, grads } = variableGrads(() => model.forward({ inputIds: ids(SEQ), labels: ids(SEQ) }).loss!, model.trainableParameters());
        opt.step(grads);
        value.dispose();
      });
    }
    expect(heed.memory().numTensors).toBe(before);
    expect(await evalLoss()).toBeLessThan(initial * 0.75);
    opt.dispose();
    model.dispose();
  });
});

it('host prompts of different lengths (left-padded inside) continue like each prompt alone', async () => {
  const model = createModel<RNNLM>(heed, { ...LM, embedding_size: 5, hidden_size: 7, num_layers: 2 }, { seed: 8 }).eval();
  const prompts = [[1, 4, 5, 6], [1, 8]];
  const session = model.startDecoding({ prompts });
  expect(Array.from(session.startTokens!)).toEqual([6, 8]);
  const lp = await values(session.step(session.startTokens!));
  session.dispose();
  for (const [r, p] of prompts.entries()) {
    const full = await values(heed.tidy(() => logSoftmax(model.forward({ inputIds: ids([p]) }).logits)));
    expect(maxAbsDiff(lp.subarray(r * V, (r + 1) * V), full.subarray((p.length - 1) * V))).toBeLessThanOrEqual(1e-5);
  }
  expect(() => model.startDecoding({ prompts: [[1, 9]] })).toThrow(/prompts\[0\]\[1\] = 9 is outside \[0, 9\)/);
  expect(() => model.startDecoding({ prompts: [[1], []] })).toThrow(/prompt 1 is empty/);
  model.dispose();
});

it('greedy generation continues a prompt through the session interface (startTokens)', async () => {
  const model = createModel<RNNLM>(heed, VARIANTS[0]![1], { seed: 7 }).eval();
  const prompt = ids([[1, 4, 5]]);
  const [hyp] = (await greedy(model, { inputIds: prompt }, { maxLength: 4, minLength: 4 }))[0]!;
  // The same continuation by hand: argmax of the full pass over prompt + generated tokens (EOS blocked before step 4).
  const seq = [1, 4, 5];
  for (let t = 0; t < 3; t++) {
    const lp = await values(heed.tidy(() => model.forward({ inputIds: ids([seq]) }).logits));
    const last = Array.from(lp.subarray((seq.length - 1) * V, seq.length * V));
    last[model.eosTokenId] = -Infinity;
    const next = last.indexOf(Math.max(...last));
    expect(hyp!.tokens[t]).toBe(next);
    seq.push(next);
  }
  prompt.dispose();
  model.dispose();
});
