/**
 * One (batched) single-precision matrix product `C[b] = op(A[b]) · op(B[b])` for
 * b in [0, batch). Offsets and strides count elements, not bytes.
 */
export interface SgemmArgs {
  /** Number of products. */
  batch: number;
  /** Rows of op(A) and C. */
  m: number;
  /** Columns of op(B) and C. */
  n: number;
  /** Columns of op(A) = rows of op(B). */
  k: number;
  a: Float32Array;
  aOffset: number;
  /** Elements between consecutive A[b]; 0 broadcasts one A over the batch. */
  aBatchStride: number;
  b: Float32Array;
  bOffset: number;
  /** Elements between consecutive B[b]; 0 broadcasts one B over the batch. */
  bBatchStride: number;
  /** false: A[b] is m×k row-major; true: A[b] is stored k×m row-major (op(A) = Aᵀ). */
  transA: boolean;
  /** false: B[b] is k×n row-major; true: B[b] is stored n×k row-major (op(B) = Bᵀ). */
  transB: boolean;
  /** C[b] is m×n row-major at cOffset + b·m·n; overwritten. */
  c: Float32Array;
  cOffset: number;
  /** [n] added to every row of C (native engine only: the WebAssembly engine ignores it, callers add it themselves). */
  bias?: Float32Array;
}

/** Options of {@link GemmEngine.create}. */
export interface GemmEngineOptions {
  /**
   * Threads to compute with, the calling thread included. Default: the machine's available
   * parallelism, at most 8. Threads are only used under Node (worker_threads); elsewhere
   * the engine is single-threaded.
   */
  threads?: number;
  /** Force a code path (tests, comparisons): 'simd128' skips relaxed SIMD, 'js' skips wasm. */
  kernel?: 'relaxed' | 'simd128' | 'js';
}

/** Which code path an engine runs. */
export interface GemmEngineInfo {
  /** 'relaxed' (wasm SIMD with FMA), 'simd128' (wasm SIMD) or 'js'. */
  readonly kernel: string;
  /** Threads the engine computes with (the calling thread included). */
  readonly threads: number;
}

/** Extra inputs of a row kernel: layer norm's γ, β (one per column) and ε. */
export interface RowKernelParams {
  gamma: Float32Array;
  beta: Float32Array;
  eps: number;
}

/** Anything that runs a synchronous batched sgemm: the wasm GemmEngine or the native addon. */
export interface Sgemm {
  sgemm(args: SgemmArgs): void;
  readonly info: { readonly kernel: string; readonly threads: number };
}
