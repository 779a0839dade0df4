/** Learning test: a 2-layer Transformer encoder–decoder learns to reverse sequences of 10 tokens. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Adam, Rng, argmax, clipGradNorm, concat, crossEntropy, mul, reshape, tensor, variableGrads, type Heed, type Tensor } from '@heed/core';
import { Embedding, Linear, Module, SinusoidalPositionalEncoding, TransformerDecoder, TransformerEncoder, type ModuleOptions, type TransformerLayerOptions } from '../src/index.js';
import { testHeed } from './helpers.js';

// CPU only: the other layer tests run on every backend (see helpers' forEachBackend), but a
// training loop of hundreds of steps is far too slow on the software WebGPU adapter
// (lavapipe) in CI.
let heed: Heed;
beforeAll(async () => {
  heed = await testHeed('cpu');
});
afterAll(() => heed.dispose());

const LEN = 10;
const VOCAB = 10;
const BOS = VOCAB;

class TinyTransformer extends Module {
  readonly srcEmb: Embedding;
  readonly tgtEmb: Embedding;
  readonly pos: SinusoidalPositionalEncoding;
  readonly encoder: TransformerEncoder;
  readonly decoder: TransformerDecoder;
  readonly out: Linear;

  constructor(readonly dModel: number, layer: Omit<TransformerLayerOptions, 'dModel'>, options: ModuleOptions) {
    super(options);
    const c = this.childOptions;
    this.srcEmb = this.child('srcEmb', new Embedding(VOCAB, dModel, { ...c, std: 1 / Math.sqrt(dModel) }));
    this.tgtEmb = this.child('tgtEmb', new Embedding(VOCAB + 1, dModel, { ...c, std: 1 / Math.sqrt(dModel) }));
    this.pos = this.child('pos', new SinusoidalPositionalEncoding(64, dModel, c));
    this.encoder = this.child('encoder', new TransformerEncoder(2, { ...layer, dModel, ...c }));
    this.decoder = this.child('decoder', new TransformerDecoder(2, { ...layer, dModel, ...c }));
    this.out = this.child('out', new Linear(dModel, VOCAB, c));
  }

  private embed(emb: Embedding, ids: Tensor, offset = 0): Tensor {
    return this.pos.forward(mul(emb.forward(ids), Math.sqrt(this.dModel)), offset);
  }

  encode(src: Tensor): Tensor {
    return this.encoder.forward(this.embed(this.srcEmb, src));
  }

  logits(src: Tensor, tgtIn: Tensor): Tensor {
    return this.out.forward(this.decoder.forward(this.embed(this.tgtEmb, tgtIn), this.encode(src)));
  }

  /** Greedy decoding with the decoder's key/value caches (one new position per step). */
  async greedy(src: Tensor): Promise<number[][]> {
    const cache = this.decoder.createCache();
    let out: Tensor;
    try {
      out = this.engine.tidy(() => {
        const b = src.shape[0]!;
        const memory = this.encode(src);
        let prev = tensor(new Int32Array(b).fill(BOS), [b, 1], 'int32');
        const cols: Tensor[] = [];
        for (let t = 0; t < LEN; t++) {
          const h = this.decoder.forward(this.embed(this.tgtEmb, prev, t), memory, { cache });
          const ids = argmax(this.out.forward(h), -1);
          cols.push(ids);
          prev = ids;
        }
        return concat(cols, 1); // [b, LEN], read once below
      });
    } finally {
      for (const c of cache) {
        c.self.dispose();
        c.cross.dispose();
      }
    }
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

it('2-layer Transformer learns to reverse 10-token sequences to ≥ 99% token accuracy', async () => {
  const model = new TinyTransformer(32, { numHeads: 4, dFF: 64, dropout: 0 }, { seed: 3 });
  const opt = new Adam(3e-3);
  const rng = new Rng(4);
  const test = batch(new Rng(98), 200);
  const evalAcc = async (): Promise<number> => {
    model.eval();
    const pred = await model.greedy(ids(test.src));
    model.train();
    let ok = 0;
    pred.forEach((p, i) => p.forEach((v, t) => (ok += v === test.tgt[i]![t] ? 1 : 0)));
    return ok / (test.src.length * LEN);
  };
  const start = performance.now();
  let steps = 0;
  let acc = 0;
  for (; steps < 1000; steps++) {
    heed.tidy(() => {
      const { src, tgt } = batch(rng, 64);
      const s = ids(src);
      const ti = ids(tgt.map((t) => [BOS, ...t.slice(0, -1)]));
      const labels = ids(tgt);
      const { value, grads } = variableGrads(() => crossEntropy(reshape(model.logits(s, ti), [-1, VOCAB]), reshape(labels, [-1])), model.trainableParameters());
      opt.step(clipGradNorm(grads, 1).grads);
      value.dispose();
    });
    if ((steps + 1) % 25 === 0) {
      acc = await evalAcc();
      console.log(`[transformer] step ${steps + 1}: token accuracy ${(acc * 100).toFixed(2)}% at ${((performance.now() - start) / 1000).toFixed(1)} s`);
      if (acc >= 0.99) break;
    }
  }
  const seconds = (performance.now() - start) / 1000;
  console.log(`[transformer] reverse, 10 tokens: ${(acc * 100).toFixed(2)}% token accuracy after ${steps + 1} steps in ${seconds.toFixed(1)} s`);
  expect(acc).toBeGreaterThanOrEqual(0.99);
  opt.dispose();
  model.dispose();
});
