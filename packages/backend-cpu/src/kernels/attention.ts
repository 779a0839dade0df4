import type { Shape } from '@heed/core';
import type { Sgemm } from '../gemm/index.js';
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
 * softmax(scale·q·kᵀ + mask)·v for every (batch, head), with both products on the gemm
 * engine and the masking and softmax fused into one pass over each score row.
 * Fully masked rows produce zeros.
 */
export function attention(gemm: Sgemm, p: AttentionData): Float32Array {
  const [b, h, tq, d] = p.qShape as [number, number, number, number];
  const tk = p.kShape[2]!;
  const dv = p.vShape[3]!;
  const bh = b * h;
  const scores = new Float32Array(bh * tq * tk);
  const out = new Float32Array(bh * tq * dv);
  if (scores.length === 0 || out.length === 0) return out;
  if (d > 0) {
    gemm.sgemm({ batch: bh, m: tq, n: tk, k: d, a: p.q, aOffset: 0, aBatchStride: tq * d, b: p.k, bOffset: 0, bBatchStride: tk * d, transA: false, transB: true, c: scores, cOffset: 0 });
  }
  const full = [b, h, tq, tk];
  const ms = p.mask ? broadcastStrides(p.mask.shape, full) : undefined;
  const mask = p.mask?.values;
  const offset = tk - tq;
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
  if (tk > 0) {
    gemm.sgemm({ batch: bh, m: tq, n: dv, k: tk, a: scores, aOffset: 0, aBatchStride: tq * tk, b: p.v, bOffset: 0, bBatchStride: tk * dv, transA: false, transB: false, c: out, cOffset: 0 });
  }
  return out;
}
