import type { Sgemm } from '../gemm/index.js';

/** A fresh m×n product op(a)·op(b) of plain 2-D operands (zeros when the inner size is 0). */
export function mm(gemm: Sgemm, a: Float32Array, b: Float32Array, m: number, k: number, n: number, transA = false, transB = false): Float32Array {
  const c = new Float32Array(m * n);
  if (k > 0 && c.length > 0) {
    gemm.sgemm({ batch: 1, m, n, k, a, aOffset: 0, aBatchStride: 0, b, bOffset: 0, bBatchStride: 0, transA, transB, c, cOffset: 0 });
  }
  return c;
}
