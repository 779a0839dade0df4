/** Transformer encoder–decoder: cached decoding equals full recomputation, padding, attention weights, loss, save/load, bad input. */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Adam, logSoftmax, tensor, variableGrads, type Heed, type Tensor } from '@heed/core';
import { ConfigError, SequenceLengthError, Transformer, createModel, type TransformerConfig } from '../src/index.js';
import { loadModel } from '../src/node.js';
import { testHeed } from './helpers.js';

let heed: Heed;
beforeAll(async () => {
  heed = await testHeed('cpu');
});
afterAll(() => heed.dispose());

const SMALL: Partial<TransformerConfig> = {
  src_vocab_size: 13,
  tgt_vocab_size: 11,
  d_model: 16,
  num_heads: 2,
  encoder_layers: 2,
  decoder_layers: 2,
  ffn_dim: 24,
  dropout: 0.1,
  max_position_embeddings: 12,
};

const ids = (rows: number[][]): Tensor => tensor(Int32Array.from(rows.flat()), [rows.length, rows[0]!.length], 'int32');
const bools = (rows: boolean[][]): Tensor => tensor(rows);

/** Log-probabilities [T, V] of row r at every target position, from one full forward pass. */
async function fullLogProbs(model: Transformer, src: number[][], mask: boolean[][], tgtIn: number[][]): Promise<Float32Array> {
  const logits = model.forward({ inputIds: ids(src), attentionMask: bools(mask), decoderInputIds: ids(tgtIn) }).logits;
  const lp = logSoftmax(logits);
  const out = (await lp.data()) as Float32Array;
  logits.dispose();
  lp.dispose();
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('Transformer', () => {
  for (const variant of [
    { name: 'post-norm, untied', config: { tie_word_embeddings: false } },
    { name: 'pre-norm, shared and tied', config: { norm_placement: 'pre' as const, share_embeddings: true, src_vocab_size: 11 } },
  ]) {
    it(`cached decoding equals full recomputation, also after select reorders and repeats rows (${variant.name})`, async () => {
      const model = new Transformer({ ...SMALL, ...variant.config }, { seed: 1 });
      model.eval();
      const src = [[3, 4, 5, 6, 7], [8, 9, 3, 0, 0], [5, 5, 6, 7, 0]];
      const mask = src.map((r, i) => r.map((_, j) => j < [5, 3, 4][i]!));
      const tgt = [[1, 4, 6, 3, 9, 2], [1, 7, 7, 8, 5, 3], [1, 10, 4, 4, 6, 2]];
      const session = heed.tidy(() => model.startDecoding({ inputIds: ids(src), attentionMask: bools(mask) }, { maxLength: 6 }));
      // Rows of the session after each step: identity for 3 steps, then reorder + repeat.
      let rows = [0, 1, 2];
      let worst = 0;
      for (let t = 0; t < 6; t++) {
        if (t === 3) {
          const sel = [2, 0, 0, 1];
          session.select(Int32Array.from(sel));
          rows = sel.map((i) => rows[i]!);
        }
        const lp = session.step(Int32Array.from(rows, (r) => tgt[r]![t]!));
        const got = (await lp.data()) as Float32Array;
        lp.dispose();
        const full = await fullLogProbs(model, rows.map((r) => src[r]!), rows.map((r) => mask[r]!), rows.map((r) => tgt[r]!.slice(0, t + 1)));
        const V = 11;
        for (let i = 0; i < rows.length; i++) {
          const want = full.subarray((i * (t + 1) + t) * V, (i * (t + 1) + t + 1) * V);
          worst = Math.max(worst, maxAbsDiff(got.subarray(i * V, (i + 1) * V), want));
        }
      }
      console.log(`[transformer] cached vs full (${variant.name}): max |Δ log p| = ${worst.toExponential(2)}`);
      expect(worst).toBeLessThanOrEqual(1e-5);
      expect(session.rows).toBe(4);
      expect(() => session.step(new Int32Array(4))).toThrow(SequenceLengthError);
      session.dispose();
      session.dispose();
      model.dispose();
    });
  }

  it('source padding does not change the outputs at real positions', async () => {
    const model = new Transformer({ ...SMALL }, { seed: 2 });
    model.eval();
    const tgtIn = [[1, 4, 6, 3]];
    const alone = await fullLogProbs(model, [[3, 4, 5]], [[true, true, true]], tgtIn);
    const mask = [[true, true, true, false, false], [true, true, true, true, true]];
    const padded = await fullLogProbs(model, [[3, 4, 5, 0, 0], [6, 7, 8, 9, 10]], mask, [...tgtIn, [1, 2, 3, 4]]);
    expect(maxAbsDiff(padded.subarray(0, alone.length), alone)).toBeLessThan(1e-5);
    // Target padding on the right does not change earlier positions either (causal).
    const longer = await fullLogProbs(model, [[3, 4, 5]], [[true, true, true]], [[1, 4, 6, 3, 0, 0]]);
    expect(maxAbsDiff(longer.subarray(0, alone.length), alone)).toBeLessThan(1e-5);
    model.dispose();
  });

  it('outputAttentions returns each layer’s cross-attention weights, zero on source padding, rows summing to 1', async () => {
    const model = new Transformer({ ...SMALL }, { seed: 3 });
    model.eval();
    const batch = {
      inputIds: ids([[3, 4, 5, 0], [6, 7, 8, 9]]),
      attentionMask: bools([[true, true, true, false], [true, true, true, true]]),
      decoderInputIds: ids([[1, 4, 6], [1, 2, 3]]),
    };
    const out = model.forward(batch, { outputAttentions: true });
    expect(out.crossAttentions).toHaveLength(2);
    for (const w of out.crossAttentions!) {
      expect(w.shape).toEqual([2, 2, 3, 4]);
      const v = await w.data();
      for (let row = 0; row < 2 * 2 * 3; row++) {
        const s = v[row * 4]! + v[row * 4 + 1]! + v[row * 4 + 2]! + v[row * 4 + 3]!;
        expect(s).toBeCloseTo(1, 5);
        if (row < 6) expect(v[row * 4 + 3]).toBe(0);
      }
      w.dispose();
    }
    expect(model.forward({ inputIds: ids([[3]]), decoderInputIds: ids([[1]]) }).crossAttentions).toBeUndefined();
    model.dispose();
  });

  it('loss: mean token cross-entropy over labels ≠ -100, decoder inputs derived by shifting the labels right after BOS', async () => {
    const model = new Transformer({ ...SMALL, label_smoothing: 0 }, { seed: 4 });
    model.eval();
    const src = ids([[3, 4, 5], [6, 7, 8]]);
    const labels = [[4, 6, 2, -100], [7, 2, -100, -100]];
    const out = model.forward({ inputIds: src, labels: ids(labels) });
    const explicit = model.forward({ inputIds: src, decoderInputIds: ids([[1, 4, 6, 2], [1, 7, 2, 0]]) });
    const lp = (await logSoftmax(explicit.logits).data()) as Float32Array;
    let sum = 0;
    let n = 0;
    labels.forEach((row, b) =>
      row.forEach((y, t) => {
        if (y === -100) return;
        sum -= lp[(b * 4 + t) * 11 + y]!;
        n++;
      }),
    );
    expect(maxAbsDiff(await out.logits.data(), await explicit.logits.data())).toBeLessThan(1e-6);
    expect((await out.loss!.data())[0]).toBeCloseTo(sum / n, 5);
    model.dispose();
  });

  it('saves and loads through the container with identical outputs (both layouts)', async () => {
    for (const extra of [{ tie_word_embeddings: false }, { norm_placement: 'pre' as const, share_embeddings: true, src_vocab_size: 11 }]) {
      const dir = await mkdtemp(join(tmpdir(), 'heed-transformer-'));
      const model = createModel<Transformer>(heed, { architectures: ['Transformer'], ...SMALL, ...extra }, { seed: 5 });
      model.eval();
      await model.save(dir);
      const loaded = await loadModel<Transformer>(heed, dir);
      expect(loaded).toBeInstanceOf(Transformer);
      expect(loaded.config).toEqual(model.config);
      const batch = { inputIds: ids([[3, 4, 5]]), decoderInputIds: ids([[1, 6, 7]]) };
      expect(Array.from(await loaded.forward(batch).logits.data())).toEqual(Array.from(await model.forward(batch).logits.data()));
      const names = model.stateDict();
      expect(names.has('embed.weight')).toBe(extra.share_embeddings === true);
      expect(names.has('outProj.weight')).toBe(extra.tie_word_embeddings === false);
      model.dispose();
      loaded.dispose();
    }
  });

  it('sequences longer than max_position_embeddings: a SequenceLengthError naming the lengths, or truncation by option', () => {
    const model = new Transformer({ ...SMALL }, { seed: 6 });
    const long = ids([Array.from({ length: 14 }, (_, i) => 3 + (i % 8))]);
    let err: unknown;
    try {
      model.forward({ inputIds: long, decoderInputIds: ids([[1, 2]]) });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SequenceLengthError);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/Transformer: inputIds has 14 positions, more than max_position_embeddings 12/);
    expect(() => model.forward({ inputIds: ids([[3]]), labels: long })).toThrow(/decoderInputIds has 14 positions/);
    expect(() => model.startDecoding({ inputIds: ids([[3]]) }, { maxLength: 13 })).toThrow(/maxLength 13 is more than max_position_embeddings 12/);
    const cut = new Transformer({ ...SMALL, truncation: true }, { seed: 6 });
    const out = cut.forward({ inputIds: long, labels: long });
    expect(out.logits.shape).toEqual([1, 12, 11]);
    heed.tidy(() => expect(cut.encode(long).shape).toEqual([1, 12, 16]));
    model.dispose();
    cut.dispose();
  });

  it('bad configs and batches raise typed errors naming the field', () => {
    expect(() => createModel(heed, { architectures: ['Transformer'], tgt_vocab_size: 5 })).toThrow(
      /Transformer: "src_vocab_size" must be a positive integer \(required\)/,
    );
    expect(() => new Transformer({ ...SMALL, d_model: 10, num_heads: 3 })).toThrow(/"d_model" 10 must be a multiple of "num_heads" 3/);
    expect(() => new Transformer({ ...SMALL, share_embeddings: true })).toThrow(
      /"share_embeddings" needs equal vocabularies, got src_vocab_size 13 and tgt_vocab_size 11/,
    );
    expect(() => new Transformer({ ...SMALL, norm_placement: 'middle' as never })).toThrow(ConfigError);
    expect(() => new Transformer({ ...SMALL, bos_token_id: 11 })).toThrow(/"bos_token_id" must be a token id in \[0, 11\), got 11/);
    const model = new Transformer({ ...SMALL });
    expect(() => model.forward({ inputIds: ids([[3, 4]]) })).toThrow(/needs decoderInputIds or labels/);
    expect(() => model.forward({ inputIds: tensor([[3, 4]]), labels: ids([[1, 2]]) })).toThrow(/inputIds must be int32 token ids, got float32/);
    expect(() => model.forward({ inputIds: ids([[3, 4]]), attentionMask: bools([[true]]), labels: ids([[1]]) })).toThrow(
      /attentionMask must be \[1,2\] like the ids, got \[1,1\]/,
    );
    expect(() => model.forward({ inputIds: ids([[3, 13]]), labels: ids([[1, 2]]) })).toThrow(
      /inputIds\[0\]\[1\] = 13 is outside \[0, 13\) \(src_vocab_size\)/,
    );
    expect(() => model.forward({ inputIds: ids([[3, 4]]), labels: ids([[1, 11]]) })).toThrow(
      /labels\[0\]\[1\] = 11 is outside \[0, 11\) \(tgt_vocab_size\) and is not -100/,
    );
    expect(() => model.forward({ inputIds: ids([[3, 4]]), decoderInputIds: ids([[-1, 2]]) })).toThrow(/decoderInputIds\[0\]\[0\] = -1 is outside/);
    const session = model.startDecoding({ inputIds: ids([[3, 4]]) });
    expect(() => session.step(new Int32Array(2))).toThrow(/got 2 tokens for 1 rows/);
    expect(() => session.select(Int32Array.from([1]))).toThrow(/index 1 at position 0 is outside the 1 rows/);
    session.dispose();
    expect(() => session.step(new Int32Array(1))).toThrow(/disposed/);
    model.dispose();
  });

  it('training steps and decoding sessions leave no tensors behind', () => {
    const model = new Transformer({ ...SMALL }, { seed: 7 });
    const opt = new Adam(1e-3);
    const src = ids([[3, 4, 5, 0], [6, 7, 8, 9]]);
    const mask = bools([[true, true, true, false], [true, true, true, true]]);
    const labels = ids([[4, 6, 2, -100], [7, 8, 9, 2]]);
    const step = (): void =>
      heed.tidy(() => {
        const loss = (): Tensor => model.forward({ inputIds: src, attentionMask: mask, labels }).loss!;
        const { value, grads } = variableGrads(loss, model.trainableParameters());
        opt.step(grads);
        value.dispose();
      });
    step();
    const before = heed.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    for (let i = 0; i < 2; i++) {
      const s = heed.tidy(() => model.startDecoding({ inputIds: src, attentionMask: mask }, { maxLength: 4 }));
      heed.tidy(() => s.step(Int32Array.from([1, 5])).dispose());
      heed.tidy(() => s.step(Int32Array.from([4, 5])).dispose());
      heed.tidy(() => s.select(Int32Array.from([1, 1, 0])));
      heed.tidy(() => s.step(Int32Array.from([4, 5, 6])).dispose());
      s.dispose();
    }
    expect(model.training).toBe(true);
    expect(heed.memory().numTensors).toBe(before);
    opt.dispose();
    model.dispose();
  });
});
