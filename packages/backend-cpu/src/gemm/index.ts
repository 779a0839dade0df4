/**
 * The fast matrix-multiply engine of @heed/backend-cpu: single-precision batched GEMM in
 * WebAssembly SIMD (relaxed-SIMD FMA where available) over a pool of worker threads.
 */
export { GemmEngine } from './engine.js';
export type { GemmEngineInfo, GemmEngineOptions, RowKernelParams, Sgemm, SgemmArgs } from './types.js';
export { RowOp, type RowOpCode } from './layout.js';
export type { KernelKind } from './kernel-select.js';
