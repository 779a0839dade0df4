/** MultiHeadAttention against a float64 host reference, with masks, causal masking and the KV cache. */
import { describe, expect, it } from 'vitest';
import { concat, randomNormal, slice, tensor, type Tensor } from '@heed/core';
import { KVCache, MultiHeadAttention } from '../src/index.js';
import { forEachBackend, relError, vals } from './helpers.js';

const B = 2;
const DM = 8;
const H = 2;

/** y = x·Wᵀ + b on host: x [n, in], W [out, in]. */
function linear(x: number[], n: number, w: number[], bias: number[], inF: number, outF: number): number[] {
  const y = new Array<number>(n * outF).fill(0);
  for (let r = 0; r < n; r++) for (let o = 0; o < outF; o++) {
    let s = bias[o]!;
    for (let i = 0; i < inF; i++) s += x[r * inF + i]! * w[o * inF + i]!;
    y[r * outF + o] = s;
  }
  return y;
}

/** Reference MHA: allowed(b, h, i, j) says whether query i may see key j. */
async function reference(mha: MultiHeadAttention, q: Tensor, k: Tensor, v: Tensor, allowed: (b: number, h: number, i: number, j: number) => boolean): Promise<{ out: number[]; weights: number[] }> {
  const p = new Map<string, number[]>();
  for (const [n, t] of mha.stateDict()) p.set(n, await vals(t));
  const [, tq] = q.shape as [number, number];
  const tk = k.shape[1]!;
  const dh = DM / H;
  const Q = linear(await vals(q), B * tq, p.get('wq.weight')!, p.get('wq.bias')!, DM, DM);
  const K = linear(await vals(k), B * tk, p.get('wk.weight')!, p.get('wk.bias')!, DM, DM);
  const V = linear(await vals(v), B * tk, p.get('wv.weight')!, p.get('wv.bias')!, DM, DM);
  const ctx = new Array<number>(B * tq * DM).fill(0);
  const weights: number[] = [];
  for (let b = 0; b < B; b++) for (let h = 0; h < H; h++) for (let i = 0; i < tq; i++) {
    const s = Array.from({ length: tk }, (_, j) => {
      if (!allowed(b, h, i, j)) return -Infinity;
      let d = 0;
      for (let c = 0; c < dh; c++) d += Q[(b * tq + i) * DM + h * dh + c]! * K[(b * tk + j) * DM + h * dh + c]!;
      return d / Math.sqrt(dh);
    });
    const m = Math.max(...s);
    const e = s.map((x) => (x === -Infinity ? 0 : Math.exp(x - m)));
    const z = e.reduce((a, c) => a + c, 0);
    const w = e.map((x) => (z === 0 ? 0 : x / z));
    weights.push(...w);
    for (let c = 0; c < dh; c++) ctx[(b * tq + i) * DM + h * dh + c] = w.reduce((a, wj, j) => a + wj * V[(b * tk + j) * DM + h * dh + c]!, 0);
  }
  return { out: linear(ctx, B * tq, p.get('wo.weight')!, p.get('wo.bias')!, DM, DM), weights };
}

async function check(mha: MultiHeadAttention, q: Tensor, k: Tensor, v: Tensor, call: Parameters<MultiHeadAttention['forward']>[3], allowed: (b: number, h: number, i: number, j: number) => boolean): Promise<void> {
  const ref = await reference(mha, q, k, v, allowed);
  const fused = mha.forward(q, k, v, call);
  const explicit = mha.forward(q, k, v, { ...call, needWeights: true });
  expect(fused.weights).toBeUndefined();
  expect(relError(await vals(fused.output), ref.out)).toBeLessThan(1e-5);
  expect(relError(await vals(explicit.output), ref.out)).toBeLessThan(1e-5);
  expect(explicit.weights!.shape).toEqual([B, H, q.shape[1], k.shape[1]]);
  expect(relError(await vals(explicit.weights!), ref.weights)).toBeLessThan(1e-5);
}

forEachBackend(() => {
  describe('MultiHeadAttention equals a reference built from primitive math', () => {
    it('self-attention without masks', async () => {
      const mha = new MultiHeadAttention(DM, H, { seed: 1 });
      const x = randomNormal([B, 5, DM], 0, 1, { seed: 2 });
      await check(mha, x, x, x, {}, () => true);
      mha.dispose();
    });

    it('cross-attention with a key padding mask and a [tq, tk] mask', async () => {
      const mha = new MultiHeadAttention(DM, H, { seed: 3 });
      const q = randomNormal([B, 3, DM], 0, 1, { seed: 4 });
      const mem = randomNormal([B, 6, DM], 0, 1, { seed: 5 });
      const keyMask = [[true, true, true, true, false, false], [true, true, false, false, false, false]];
      const m2 = [[true, true, false, true, true, true], [true, true, true, true, true, true], [false, true, true, true, true, true]];
      await check(mha, q, mem, mem, { keyMask: tensor(keyMask), mask: tensor(m2) }, (b, _h, i, j) => keyMask[b]![j]! && m2[i]![j]!);
      // A fully masked query row gives zero weights.
      const none = tensor([[false, false, false, false, false, false], [true, true, true, true, true, true]]);
      const w = await vals(mha.forward(q, mem, mem, { keyMask: none, needWeights: true }).weights!);
      expect(w.slice(0, H * 3 * 6).every((x) => x === 0)).toBe(true);
    });

    it('causal self-attention, and a per-head [batch, heads, tq, tk] mask', async () => {
      const mha = new MultiHeadAttention(DM, H, { seed: 6 });
      const x = randomNormal([B, 5, DM], 0, 1, { seed: 7 });
      await check(mha, x, x, x, { causal: true }, (_b, _h, i, j) => j <= i);
      const per = Array.from({ length: B }, (_, b) => Array.from({ length: H }, (_, h) => Array.from({ length: 5 }, (_, i) => Array.from({ length: 5 }, (_, j) => (b + h + i + j) % 3 !== 0 || j === 0))));
      await check(mha, x, x, x, { mask: tensor(per), causal: true }, (b, h, i, j) => per[b]![h]![i]![j]! && j <= i);
    });

    it('incremental decoding with a KV cache equals the full causal pass', async () => {
      const mha = new MultiHeadAttention(DM, H, { seed: 8 });
      const cross = new MultiHeadAttention(DM, H, { seed: 9 });
      const x = randomNormal([B, 6, DM], 0, 1, { seed: 10 });
      const mem = randomNormal([B, 4, DM], 0, 1, { seed: 11 });
      const memMask = tensor([[true, true, true, false], [true, true, true, true]]);
      const full = mha.forward(x, x, x, { causal: true }).output;
      const fullCross = cross.forward(x, mem, mem, { keyMask: memMask }).output;
      const cache = new KVCache();
      const crossCache = new KVCache('static');
      const parts: Tensor[] = [];
      const crossParts: Tensor[] = [];
      // Steps of 1, 2, 1, 2 positions.
      for (const [start, len] of [[0, 1], [1, 2], [3, 1], [4, 2]] as const) {
        const xs = slice(x, [0, start, 0], [B, len, DM]);
        parts.push(mha.forward(xs, xs, xs, { causal: true, cache, needWeights: start === 3 }).output);
        crossParts.push(cross.forward(xs, mem, mem, { keyMask: memMask, cache: crossCache }).output);
        expect(cache.length).toBe(start + len);
        expect(crossCache.length).toBe(4);
      }
      expect(relError(await vals(concat(parts, 1)), await vals(full))).toBeLessThan(1e-5);
      expect(relError(await vals(concat(crossParts, 1)), await vals(fullCross))).toBeLessThan(1e-5);
      cache.dispose();
      crossCache.dispose();
      expect(cache.length).toBe(0);
    });

    it('masks and inputs of the wrong shape throw ShapeErrors naming the layer and shapes', () => {
      const mha = new MultiHeadAttention(DM, H);
      const x = randomNormal([B, 5, DM]);
      expect(() => mha.forward(x, x, x, { keyMask: tensor([[true, false]]) })).toThrow(/MultiHeadAttention\(dModel=8, heads=2\): keyMask must be bool \[2, 5\] \(batch, keys; true = attend\), got bool \[1,2\]/);
      expect(() => mha.forward(x, x, x, { mask: tensor([[true, false]]) })).toThrow(/mask must be bool \[5, 5\], \[2, 5, 5\] or \[2, 2, 5, 5\] \(true = may attend\), got bool \[1,2\]/);
      expect(() => mha.forward(x, x, x, { keyMask: randomNormal([B, 5]) })).toThrow(/got float32 \[2,5\]/);
      expect(() => mha.forward(randomNormal([B, 5, 6]))).toThrow(/query must be \[batch, tq, 8\], got \[2,5,6\]/);
      expect(() => new MultiHeadAttention(10, 3)).toThrow(/dModel 10 must be a positive multiple of numHeads 3/);
    });
  });
});
