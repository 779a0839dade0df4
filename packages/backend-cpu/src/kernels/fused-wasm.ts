/**
 * The fused kernels on the gemm engine's WebAssembly row kernels (asm/rows.ts: SIMD exp /
 * erfc, rows split over the worker pool when large), falling back to the plain JS versions
 * of fused.ts when the engine has no wasm (e.g. no shared memory in a browser page).
 */
import type { UnaryOp } from '@heed/core';
import { RowOp, type GemmEngine } from '../gemm/index.js';
import * as js from './fused.js';

/** Softmax over rows of length `cols`. */
export function softmax(engine: GemmEngine, x: Float32Array, cols: number): Float32Array {
  return engine.rowKernel(RowOp.SOFTMAX, x, cols) ?? js.softmax(x, cols);
}

/** Log-softmax over rows of length `cols`. */
export function logSoftmax(engine: GemmEngine, x: Float32Array, cols: number): Float32Array {
  return engine.rowKernel(RowOp.LOG_SOFTMAX, x, cols) ?? js.logSoftmax(x, cols);
}

/** Layer norm over rows of length `cols`. */
export function layerNorm(engine: GemmEngine, x: Float32Array, gamma: Float32Array, beta: Float32Array, cols: number, eps: number): Float32Array {
  return engine.rowKernel(RowOp.LAYER_NORM, x, cols, { gamma, beta, eps }) ?? js.layerNorm(x, gamma, beta, cols, eps);
}

/** GELU, exact (erf) or tanh approximation. */
export function gelu(engine: GemmEngine, x: Float32Array, approximate: 'none' | 'tanh'): Float32Array {
  return engine.rowKernel(approximate === 'tanh' ? RowOp.GELU_TANH : RowOp.GELU, x, 1) ?? js.gelu(x, approximate);
}

/**
 * Per-row softmax cross-entropy against int32 labels through the log-softmax row kernel:
 * −(1 − ε)·ls[y] − ε·mean(ls) (ls = log-softmax of the row), 0 where the label is
 * `ignoreIndex`; other labels outside [0, cols) throw `ArgumentError`.
 */
export function crossEntropy(
  engine: GemmEngine,
  logits: Float32Array,
  labels: Int32Array,
  cols: number,
  ignoreIndex = -100,
  labelSmoothing = 0,
): Float32Array {
  const rows = labels.length;
  if (!engine.hasWasm || rows * cols !== logits.length) return js.crossEntropy(logits, labels, cols, ignoreIndex, labelSmoothing);
  for (let r = 0; r < rows; r++) js.checkedLabel(labels, r, cols, ignoreIndex);
  const ls = engine.rowKernel(RowOp.LOG_SOFTMAX, logits, cols)!;
  const out = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    const label = labels[r]!;
    if (label === ignoreIndex) continue;
    const nll = -ls[r * cols + label]!;
    if (labelSmoothing === 0) {
      out[r] = nll;
      continue;
    }
    let s = 0;
    for (let j = r * cols; j < (r + 1) * cols; j++) s += ls[j]!;
    out[r] = (1 - labelSmoothing) * nll - labelSmoothing * (s / cols);
  }
  return out;
}

/**
 * The gradient of the per-row cross-entropy with respect to the logits (see `js.crossEntropyBackward`),
 * from the SIMD softmax row kernel, scaled in place per row.
 */
export function crossEntropyBackward(
  engine: GemmEngine,
  logits: Float32Array,
  labels: Int32Array,
  dy: Float32Array,
  cols: number,
  ignoreIndex = -100,
  labelSmoothing = 0,
): Float32Array {
  const rows = labels.length;
  if (!engine.hasWasm || rows * cols !== logits.length) return js.crossEntropyBackward(logits, labels, dy, cols, ignoreIndex, labelSmoothing);
  for (let r = 0; r < rows; r++) js.checkedLabel(labels, r, cols, ignoreIndex);
  const p = engine.rowKernel(RowOp.SOFTMAX, logits, cols)!;
  for (let r = 0; r < rows; r++) {
    const d = dy[r]!;
    const off = r * cols;
    if (labels[r] === ignoreIndex || d === 0) p.fill(0, off, off + cols);
    else js.scaleRow(p, off, cols, d, d, labels[r]!, labelSmoothing);
  }
  return p;
}

const UNARY = { exp: RowOp.EXP, sigmoid: RowOp.SIGMOID, tanh: RowOp.TANH } as const;

/**
 * Float32 exp / sigmoid / tanh on the wasm kernels, or undefined for other ops or without
 * wasm (the caller then uses its JS loop). A call-out for the backend's `unary`.
 */
export function unaryF32Wasm(engine: GemmEngine, op: UnaryOp, x: Float32Array): Float32Array | undefined {
  const code = (UNARY as Partial<Record<UnaryOp, (typeof UNARY)[keyof typeof UNARY]>>)[op];
  return code === undefined ? undefined : engine.rowKernel(code, x, 1);
}
