/**
 * Learning test: a 1-layer LSTM encoder–decoder with Luong-style attention (dot score,
 * resolved through the container) learns to reverse sequences of 10 tokens.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Adam, Rng, argmax, clipGradNorm, concat, crossEntropy, tanh, reshape, tensor, variableGrads, type Heed, type Tensor } from '@heed/core';
import { Attention, Embedding, LSTM, Linear, Module, type ModuleOptions } from '../src/index.js';
import { testHeed } from './helpers.js';

// CPU only: the other layer tests run on every backend (see helpers' forEachBackend), but a
// 1,500-step training loop is far too slow on the software WebGPU adapter (lavapipe) in CI.
let heed: Heed;
beforeAll(async () => {
  heed = await testHeed('cpu');
});
afterAll(() => heed.dispose());

const LEN = 10;
const VOCAB = 10; // symbols 0..9
const BOS = VOCAB; // decoder start token

class Seq2Seq extends Module {
  readonly srcEmb: Embedding;
  readonly tgtEmb: Embedding;
  readonly encoder: LSTM;
  readonly decoder: LSTM;
  readonly attn: Attention;
  readonly combine: Linear;
  readonly out: Linear;

  constructor(heed: Heed, dim: number, hidden: number, options: ModuleOptions) {
    super(options);
    const c = this.childOptions;
    this.srcEmb = this.child('srcEmb', new Embedding(VOCAB, dim, { ...c, std: 0.3 }));
    this.tgtEmb = this.child('tgtEmb', new Embedding(VOCAB + 1, dim, { ...c, std: 0.3 }));
    this.encoder = this.child('encoder', new LSTM(dim, hidden, { ...c, batchFirst: true }));
    this.decoder = this.child('decoder', new LSTM(dim, hidden, { ...c, batchFirst: true }));
    this.attn = this.child('attn', new Attention(heed, { ...c, score: 'dot', queryDim: hidden, keyDim: hidden }));
    this.combine = this.child('combine', new Linear(2 * hidden, hidden, c));
    this.out = this.child('out', new Linear(hidden, VOCAB, c));
  }

  /** Luong attention after the decoder RNN: out(tanh(W [h; context])). */
  private head(dec: Tensor, enc: Tensor): Tensor {
    const { context } = this.attn.forward(dec, enc);
    return this.out.forward(tanh(this.combine.forward(concat([dec, context], -1))));
  }

  /** Teacher-forced logits [batch, LEN, VOCAB]. */
  logits(src: Tensor, tgtIn: Tensor): Tensor {
    const enc = this.encoder.forward(this.srcEmb.forward(src));
    const dec = this.decoder.forward(this.tgtEmb.forward(tgtIn), { h0: enc.h, c0: enc.c });
    return this.head(dec.output, enc.output);
  }

  /** Greedy decoding → predicted ids [batch, LEN]. */
  async greedy(src: Tensor): Promise<number[][]> {
    const out = this.engine.tidy(() => {
      const b = src.shape[0]!;
      const enc = this.encoder.forward(this.srcEmb.forward(src));
      let h = enc.h;
      let c = enc.c;
      let prev = tensor(new Int32Array(b).fill(BOS), [b, 1], 'int32');
      const cols: Tensor[] = [];
      for (let t = 0; t < LEN; t++) {
        const step = this.decoder.forward(this.tgtEmb.forward(prev), { h0: h, c0: c });
        h = step.h;
        c = step.c;
        const ids = argmax(this.head(step.output, enc.output), -1); // [b, 1]
        cols.push(ids);
        prev = ids;
      }
      return concat(cols, 1); // [b, LEN], read once below
    });
    const flat = await out.data();
    out.dispose();
    const b = src.shape[0]!;
    return Array.from({ length: b }, (_, i) => Array.from(flat.subarray(i * LEN, (i + 1) * LEN)));
  }
}

function batch(rng: Rng, n: number): { src: number[][]; tgt: number[][] } {
  const src = Array.from({ length: n }, () => Array.from({ length: LEN }, () => rng.int(VOCAB)));
  return { src, tgt: src.map((s) => [...s].reverse()) };
}

const ids = (rows: number[][]): Tensor => tensor(Int32Array.from(rows.flat()), [rows.length, rows[0]!.length], 'int32');

it('LSTM seq2seq learns to reverse 10-token sequences to ≥ 99% token accuracy', async () => {
  const model = new Seq2Seq(heed, 32, 64, { seed: 1 });
  const opt = new Adam(1e-2);
  const rng = new Rng(2);
  const start = performance.now();
  let steps = 0;
  let acc = 0;
  const test = batch(new Rng(99), 200);
  const evalAcc = async (): Promise<number> => {
    const pred = await model.greedy(ids(test.src));
    let ok = 0;
    pred.forEach((p, i) => p.forEach((v, t) => (ok += v === test.tgt[i]![t] ? 1 : 0)));
    return ok / (test.src.length * LEN);
  };
  for (; steps < 1500; steps++) {
    heed.tidy(() => {
      const { src, tgt } = batch(rng, 128);
      const tgtIn = tgt.map((t) => [BOS, ...t.slice(0, -1)]);
      const s = ids(src);
      const ti = ids(tgtIn);
      const labels = ids(tgt);
      const { value, grads } = variableGrads(() => crossEntropy(reshape(model.logits(s, ti), [-1, VOCAB]), reshape(labels, [-1])), model.trainableParameters());
      opt.step(clipGradNorm(grads, 1).grads);
      value.dispose();
    });
    if ((steps + 1) % 25 === 0) {
      acc = await evalAcc();
      console.log(`[lstm seq2seq] step ${steps + 1}: token accuracy ${(acc * 100).toFixed(2)}% at ${((performance.now() - start) / 1000).toFixed(1)} s`);
      if (acc >= 0.99) break;
    }
  }
  const seconds = (performance.now() - start) / 1000;
  console.log(`[lstm seq2seq] reverse, 10 tokens: ${(acc * 100).toFixed(2)}% token accuracy after ${steps + 1} steps in ${seconds.toFixed(1)} s`);
  expect(acc).toBeGreaterThanOrEqual(0.99);
  opt.dispose();
  model.dispose();
});
