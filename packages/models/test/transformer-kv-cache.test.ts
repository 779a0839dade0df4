/** KVCache.select (beam reordering) and cached Transformer / TransformerLM decoding on both backends. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArgumentError, logSoftmax, randomNormal, tensor, type Heed, type Tensor } from '@heed/core';
import { KVCache, MultiHeadAttention } from '@heed/layers';
import { Transformer, TransformerLM } from '../src/index.js';
import { testHeed, type BackendName } from './helpers.js';

const ids = (rows: number[][]): Tensor => tensor(Int32Array.from(rows.flat()), [rows.length, rows[0]!.length], 'int32');

for (const backend of ['cpu', 'webgpu'] as BackendName[]) {
  describe(backend, () => {
    let heed: Heed;
    beforeAll(async () => {
      heed = await testHeed(backend);
    });
    afterAll(() => heed.dispose());

    it('KVCache.select gathers batch rows (reorder, repeat, drop); bad indices are ArgumentErrors', async () => {
      const mha = new MultiHeadAttention(8, 2, { seed: 1 });
      const x = randomNormal([3, 4, 8], 0, 1, { seed: 2 });
      const cache = new KVCache();
      heed.tidy(() => void mha.forward(x, x, x, { causal: true, cache }));
      const k = Array.from(await cache.k!.data());
      const row = 2 * 4 * 4; // heads · t · headDim
      cache.select(Int32Array.from([2, 0, 0]));
      expect(cache.k!.shape).toEqual([3, 2, 4, 4]);
      expect(cache.rows).toBe(3);
      const k2 = Array.from(await cache.k!.data());
      expect(k2).toEqual([...k.slice(2 * row, 3 * row), ...k.slice(0, row), ...k.slice(0, row)]);
      const idx = tensor(Int32Array.from([1]), [1], 'int32');
      cache.select(idx);
      expect(Array.from(await cache.k!.data())).toEqual(k.slice(0, row));
      expect(() => cache.select(Int32Array.from([1]))).toThrow(ArgumentError);
      expect(() => cache.select([0, -1])).toThrow(/index -1 at position 1 is outside the 1 cached rows/);
      const before = heed.memory().numTensors;
      cache.dispose();
      expect(heed.memory().numTensors).toBe(before - 2);
      const empty = new KVCache('static');
      empty.select([0, 0]);
      expect(empty.length).toBe(0);
      idx.dispose();
      x.dispose();
      mha.dispose();
    });

    it('cached Transformer decoding with select equals full recomputation', async () => {
      const config = { src_vocab_size: 9, tgt_vocab_size: 9, d_model: 16, num_heads: 2, encoder_layers: 1, decoder_layers: 2, ffn_dim: 16 };
      const model = new Transformer({ ...config, max_position_embeddings: 8 }, { seed: 3 });
      model.eval();
      const src = [[3, 4, 5], [6, 7, 0]];
      const mask = [[true, true, true], [true, true, false]];
      const tgt = [[1, 5, 6, 7], [1, 8, 3, 4]];
      const session = heed.tidy(() => model.startDecoding({ inputIds: ids(src), attentionMask: tensor(mask) }, { maxLength: 4 }));
      let rows = [0, 1];
      let worst = 0;
      for (let t = 0; t < 4; t++) {
        if (t === 2) {
          session.select(Int32Array.from([1, 1, 0]));
          rows = [rows[1]!, rows[1]!, rows[0]!];
        }
        const lp = session.step(Int32Array.from(rows, (r) => tgt[r]![t]!));
        const got = await lp.data();
        lp.dispose();
        const full = heed.tidy(() =>
          logSoftmax(
            model.forward({
              inputIds: ids(rows.map((r) => src[r]!)),
              attentionMask: tensor(rows.map((r) => mask[r]!)),
              decoderInputIds: ids(rows.map((r) => tgt[r]!.slice(0, t + 1))),
            }).logits,
          ),
        );
        const want = await full.data();
        full.dispose();
        for (let i = 0; i < rows.length; i++) {
          for (let v = 0; v < 9; v++) worst = Math.max(worst, Math.abs(got[i * 9 + v]! - want[(i * (t + 1) + t) * 9 + v]!));
        }
      }
      console.log(`[transformer] ${backend}: cached vs full decoding, max |Δ log p| = ${worst.toExponential(2)}`);
      expect(worst).toBeLessThanOrEqual(1e-5);
      session.dispose();
      model.dispose();
    });

    it('TransformerLM: left padding keeps real positions, cached decoding of ragged prompts with select equals full passes', async () => {
      const V = 11;
      const config = { vocab_size: V, d_model: 16, num_heads: 2, num_layers: 2, ffn_dim: 16, max_position_embeddings: 12 };
      const model = new TransformerLM(config, { seed: 4 });
      model.eval();
      const full = async (seq: number[]): Promise<Float32Array> => {
        const lp = heed.tidy(() => logSoftmax(model.forward({ inputIds: ids([seq]) }).logits));
        const out = (await lp.data()) as Float32Array;
        lp.dispose();
        return out;
      };
      let worst = 0;
      const leftPadded = {
        inputIds: ids([[0, 0, 1, 5, 6], [1, 7, 8, 9, 4]]),
        attentionMask: tensor([[false, false, true, true, true], [true, true, true, true, true]]),
      };
      const padded = heed.tidy(() => logSoftmax(model.forward(leftPadded).logits));
      const p = await padded.data();
      padded.dispose();
      const alone = await full([1, 5, 6]);
      for (let i = 0; i < alone.length; i++) worst = Math.max(worst, Math.abs(p[2 * V + i]! - alone[i]!));
      const prompts = [[1, 5, 6], [1, 7, 8, 9, 4]];
      const cont = [[3, 4, 5], [6, 7, 8]];
      const session = heed.tidy(() => model.startDecoding({ prompts }, { maxLength: 4 }));
      let rows = [0, 1];
      for (let t = 0; t < 4; t++) {
        if (t === 2) {
          session.select(Int32Array.from([1, 0, 0]));
          rows = [1, 0, 0];
        }
        const lp = session.step(Int32Array.from(rows, (r) => (t === 0 ? prompts[r]!.at(-1)! : cont[r]![t - 1]!)));
        const got = await lp.data();
        lp.dispose();
        for (let i = 0; i < rows.length; i++) {
          const seq = [...prompts[rows[i]!]!, ...cont[rows[i]!]!.slice(0, t)];
          const want = await full(seq);
          for (let v = 0; v < V; v++) worst = Math.max(worst, Math.abs(got[i * V + v]! - want[(seq.length - 1) * V + v]!));
        }
      }
      console.log(`[transformer-lm] ${backend}: padded and cached vs full, max |Δ log p| = ${worst.toExponential(2)}`);
      expect(worst).toBeLessThanOrEqual(1e-5);
      session.dispose();
      model.dispose();
    });
  });
}
