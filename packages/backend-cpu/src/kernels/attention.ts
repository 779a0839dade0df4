import type { Shape } from '@heed/core';
import type { Sgemm } from '../gemm/index.js';
import type { NativeGemm } from '../native/index.js';
import { broadcastStrides } from './broadcast.js';

/** Inputs of the fused attention kernel, as host arrays. */
export interface AttentionData {
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  qShape: Shape;
  kShape: Shape;
  vShape: Shape;
  mask?: { values: Uint8Array; shape: Shape };
  causal: boolean;
  scale: number;
}

/**
 * The attention probabilities softmax(scale·q·kᵀ + mask) [b·h, tq, tk]: the scores from one
 * batched gemm, then masking and softmax fused into one pass over each row. Fully masked
 * rows are zeros.
 */
export function attentionProbs(gemm: Sgemm, p: AttentionData): Float32Array {
  const [b, h, tq, d] = p.qShape as [number, number, number, number];
  const tk = p.kShape[2]!;
  const bh = b * h;
  const scores = new Float32Array(bh * tq * tk);
  if (scores.length === 0) return scores;
  if (d > 0) {
    gemm.sgemm({ batch: bh, m: tq, n: tk, k: d, a: p.q, aOffset: 0, aBatchStride: tq * d, b: p.k, bOffset: 0, bBatchStride: tk * d, transA: false, transB: true, c: scores, cOffset: 0 });
  }
  const full = [b, h, tq, tk];
  const ms = p.mask ? broadcastStrides(p.mask.shape, full) : undefined;
  const mask = p.mask?.values;
  const offset = tk - tq;
  const native = (gemm as Partial<NativeGemm>).softmaxRows;
  if (native && p.scale > 0) {
    // Masked entries become −∞ here; the SIMD kernel scales, exponentiates and normalises.
    if (mask || p.causal) {
      for (let bi = 0; bi < b; bi++) {
        for (let hi = 0; hi < h; hi++) {
          const base = (bi * h + hi) * tq * tk;
          for (let i = 0; i < tq; i++) {
            const row = base + i * tk;
            const limit = p.causal ? Math.max(0, Math.min(tk, i + offset + 1)) : tk;
            scores.fill(-Infinity, row + limit, row + tk);
            if (!mask) continue;
            const mrow = bi * ms![0]! + hi * ms![1]! + i * ms![2]!;
            const step = ms![3]!;
            for (let j = 0; j < limit; j++) if (mask[mrow + j * step] === 0) scores[row + j] = -Infinity;
          }
        }
      }
    }
    native(scores, bh * tq, tk, p.scale);
    return scores;
  }
  for (let bi = 0; bi < b; bi++) {
    for (let hi = 0; hi < h; hi++) {
      const base = (bi * h + hi) * tq * tk;
      for (let i = 0; i < tq; i++) {
        const row = base + i * tk;
        const mrow = ms ? bi * ms[0]! + hi * ms[1]! + i * ms[2]! : 0;
        const limit = p.causal ? Math.min(tk, i + offset + 1) : tk;
        let max = -Infinity;
        for (let j = 0; j < tk; j++) {
          const allowed = j < limit && (!mask || mask[mrow + j * ms![3]!] !== 0);
          const s = allowed ? scores[row + j]! * p.scale : -Infinity;
          scores[row + j] = s;
          if (s > max) max = s;
        }
        if (max === -Infinity) {
          scores.fill(0, row, row + tk);
          continue;
        }
        let sum = 0;
        for (let j = 0; j < tk; j++) {
          const e = Math.exp(scores[row + j]! - max);
          scores[row + j] = e;
          sum += e;
        }
        const inv = 1 / sum;
        for (let j = 0; j < tk; j++) scores[row + j]! *= inv;
      }
    }
  }
  return scores;
}

/**
 * softmax(scale·q·kᵀ + mask)·v for every (batch, head): {@link attentionProbs}, then one
 * batched gemm. Fully masked rows produce zeros.
 */
export function attention(gemm: Sgemm, p: AttentionData): Float32Array {
  const [b, h, tq] = p.qShape as [number, number, number, number];
  const tk = p.kShape[2]!;
  const dv = p.vShape[3]!;
  const bh = b * h;
  const out = new Float32Array(bh * tq * dv);
  if (out.length === 0 || tk === 0) return out;
  const probs = attentionProbs(gemm, p);
  gemm.sgemm({ batch: bh, m: tq, n: dv, k: tk, a: probs, aOffset: 0, aBatchStride: tq * tk, b: p.v, bOffset: 0, bBatchStride: tk * dv, transA: false, transB: false, c: out, cOffset: 0 });
  return out;
}

/**
 * The gradient of {@link attention} for dy [b, h, tq, dv]: with P the probabilities,
 * dV = Pᵀ·dy, dP = dy·Vᵀ, dS = scale · P ⊙ (dP − rowsum(dP ⊙ P)), dQ = dS·K, dK = dSᵀ·Q, each
 * product one batched gemm over all (batch, head) pairs. Masked entries have P = 0 and so
 * no gradient. Returns [dq, dk, dv].
 */
export function attentionBackward(gemm: Sgemm, p: AttentionData, dy: Float32Array): [Float32Array, Float32Array, Float32Array] {
  const [b, h, tq, d] = p.qShape as [number, number, number, number];
  const tk = p.kShape[2]!;
  const dvDim = p.vShape[3]!;
  const bh = b * h;
  const dq = new Float32Array(bh * tq * d);
  const dk = new Float32Array(bh * tk * d);
  const dv = new Float32Array(bh * tk * dvDim);
  if (bh === 0 || tq === 0 || tk === 0) return [dq, dk, dv];
  const probs = attentionProbs(gemm, p);
  const mm = (m: number, n: number, k: number, a: Float32Array, aStride: number, transA: boolean, bb: Float32Array, bStride: number, transB: boolean, c: Float32Array): void => {
    if (m > 0 && n > 0 && k > 0) gemm.sgemm({ batch: bh, m, n, k, a, aOffset: 0, aBatchStride: aStride, b: bb, bOffset: 0, bBatchStride: bStride, transA, transB, c, cOffset: 0 });
  };
  mm(tk, dvDim, tq, probs, tq * tk, true, dy, tq * dvDim, false, dv);
  const ds = new Float32Array(bh * tq * tk);
  mm(tq, tk, dvDim, dy, tq * dvDim, false, p.v, tk * dvDim, true, ds);
  for (let row = 0; row < bh * tq; row++) {
    const o = row * tk;
    let dot = 0;
    for (let j = 0; j < tk; j++) dot += ds[o + j]! * probs[o + j]!;
    for (let j = 0; j < tk; j++) ds[o + j] = p.scale * probs[o + j]! * (ds[o + j]! - dot);
  }
  mm(tq, d, tk, ds, tq * tk, false, p.k, tk * d, false, dq);
  mm(tk, d, tq, ds, tq * tk, true, p.q, tq * d, false, dk);
  return [dq, dk, dv];
}
