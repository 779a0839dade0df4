/**
 * Plain JavaScript sgemm over the caller's arrays: the path for tiny products (no copies,
 * no wasm call) and the fallback where WebAssembly SIMD or shared memory is missing.
 * Accumulates in float64, rounds once per output.
 */
import type { SgemmArgs } from './types.js';

/** Computes `args` in JavaScript. Arguments are assumed validated. */
export function sgemmJs(args: SgemmArgs): void {
  const { batch, m, n, k, a, b, c, transA, transB } = args;
  // Element strides: A(i, p) = a[ao + i*ars + p*acs], B(p, j) = b[bo + p*brs + j*bcs].
  const ars = transA ? 1 : k, acs = transA ? m : 1;
  const brs = transB ? 1 : n, bcs = transB ? k : 1;
  const row = new Float64Array(n);
  for (let t = 0; t < batch; t++) {
    const ao = args.aOffset + t * args.aBatchStride;
    const bo = args.bOffset + t * args.bBatchStride;
    const co = args.cOffset + t * m * n;
    for (let i = 0; i < m; i++) {
      row.fill(0);
      const ai = ao + i * ars;
      for (let p = 0; p < k; p++) {
        const av = a[ai + p * acs];
        let bi = bo + p * brs;
        for (let j = 0; j < n; j++, bi += bcs) row[j] += av * b[bi];
      }
      for (let j = 0; j < n; j++) c[co + i * n + j] = row[j];
    }
  }
}
