import { broadcastShapes, sizeOf, stridesOf, type Shape } from '@heed/core';
import type { Sgemm } from '../gemm/index.js';
import { broadcastStrides } from './broadcast.js';

/**
 * Batched matmul with batch broadcasting on top of the gemm engine. Equal batch shapes,
 * or one side unbatched, go to the engine as one strided call; other broadcasts loop
 * over the output batch.
 */
export function matmul(
  gemm: Sgemm,
  a: Float32Array,
  aShape: Shape,
  b: Float32Array,
  bShape: Shape,
  transA: boolean,
  transB: boolean,
): { values: Float32Array; shape: number[] } {
  const ra = aShape.length;
  const rb = bShape.length;
  const m = transA ? aShape[ra - 1]! : aShape[ra - 2]!;
  const k = transA ? aShape[ra - 2]! : aShape[ra - 1]!;
  const n = transB ? bShape[rb - 2]! : bShape[rb - 1]!;
  const aBatch = aShape.slice(0, -2);
  const bBatch = bShape.slice(0, -2);
  const batchShape = broadcastShapes('matmul', aBatch, bBatch);
  const batch = sizeOf(batchShape);
  const out = new Float32Array(batch * m * n);
  const shape = [...batchShape, m, n];
  if (out.length === 0) return { values: out, shape };
  if (k === 0) return { values: out, shape }; // empty sum: zeros
  const aSize = sizeOf(aBatch);
  const bSize = sizeOf(bBatch);
  const common = { m, n, k, a, b, transA, transB, c: out, cOffset: 0 };
  if ((aSize === batch || aSize === 1) && (bSize === batch || bSize === 1) && (aSize === 1 || bSize === 1 || sameShape(aBatch, bBatch))) {
    gemm.sgemm({ ...common, batch, aOffset: 0, aBatchStride: aSize === 1 ? 0 : m * k, bOffset: 0, bBatchStride: bSize === 1 ? 0 : k * n });
    return { values: out, shape };
  }
  const aStr = broadcastStrides(aBatch, batchShape);
  const bStr = broadcastStrides(bBatch, batchShape);
  const outStr = stridesOf(batchShape);
  for (let i = 0; i < batch; i++) {
    let rem = i;
    let ai = 0;
    let bi = 0;
    for (let d = 0; d < batchShape.length; d++) {
      const idx = Math.floor(rem / outStr[d]!);
      rem -= idx * outStr[d]!;
      ai += idx * aStr[d]!;
      bi += idx * bStr[d]!;
    }
    gemm.sgemm({ ...common, batch: 1, aOffset: ai * m * k, aBatchStride: 0, bOffset: bi * k * n, bBatchStride: 0, cOffset: i * m * n });
  }
  return { values: out, shape };
}

function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
