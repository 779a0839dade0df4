import { ArgumentError, type AdamStepArgs } from '@heed/core';
import { geluExact, geluTanh } from './math.js';

/** Softmax over rows of length `cols`. */
export function softmax(x: Float32Array, cols: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let r = 0; r < x.length; r += cols) {
    let max = -Infinity;
    for (let j = r; j < r + cols; j++) if (x[j]! > max) max = x[j]!;
    let sum = 0;
    for (let j = r; j < r + cols; j++) {
      const e = Math.exp(x[j]! - max);
      out[j] = e;
      sum += e;
    }
    const inv = 1 / sum;
    for (let j = r; j < r + cols; j++) out[j]! *= inv;
  }
  return out;
}

/** Log-softmax over rows of length `cols`. */
export function logSoftmax(x: Float32Array, cols: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let r = 0; r < x.length; r += cols) {
    const lse = rowLogSumExp(x, r, cols);
    for (let j = r; j < r + cols; j++) out[j] = x[j]! - lse;
  }
  return out;
}

function rowLogSumExp(x: Float32Array, start: number, cols: number): number {
  let max = -Infinity;
  for (let j = start; j < start + cols; j++) if (x[j]! > max) max = x[j]!;
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (let j = start; j < start + cols; j++) sum += Math.exp(x[j]! - max);
  return max + Math.log(sum);
}

/** Layer norm over rows of length `cols` (two-pass variance, float64 accumulation). */
export function layerNorm(x: Float32Array, gamma: Float32Array, beta: Float32Array, cols: number, eps: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let r = 0; r < x.length; r += cols) {
    let mean = 0;
    for (let j = 0; j < cols; j++) mean += x[r + j]!;
    mean /= cols;
    let v = 0;
    for (let j = 0; j < cols; j++) {
      const d = x[r + j]! - mean;
      v += d * d;
    }
    const rstd = 1 / Math.sqrt(v / cols + eps);
    for (let j = 0; j < cols; j++) out[r + j] = (x[r + j]! - mean) * rstd * gamma[j]! + beta[j]!;
  }
  return out;
}

/** GELU, exact (erf) or tanh approximation. */
export function gelu(x: Float32Array, approximate: 'none' | 'tanh'): Float32Array {
  const out = new Float32Array(x.length);
  const f = approximate === 'tanh' ? geluTanh : geluExact;
  for (let i = 0; i < x.length; i++) out[i] = f(x[i]!);
  return out;
}

/**
 * Per-row softmax cross-entropy against int32 labels: 0 where the label is `ignoreIndex`,
 * else (1 − ε)·(lse − x_y) + ε·(lse − mean(x)) with ε = `labelSmoothing` (see core's
 * `CrossEntropyArgs`). Any other label outside [0, cols) throws `ArgumentError`.
 */
export function crossEntropy(logits: Float32Array, labels: Int32Array, cols: number, ignoreIndex = -100, labelSmoothing = 0): Float32Array {
  const rows = labels.length;
  const out = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    const label = checkedLabel(labels, r, cols, ignoreIndex);
    if (label < 0) continue;
    const lse = rowLogSumExp(logits, r * cols, cols);
    const nll = lse - logits[r * cols + label]!;
    if (labelSmoothing === 0) {
      out[r] = nll;
      continue;
    }
    let s = 0;
    for (let j = r * cols; j < (r + 1) * cols; j++) s += logits[j]!;
    out[r] = (1 - labelSmoothing) * nll + labelSmoothing * (lse - s / cols);
  }
  return out;
}

/**
 * The gradient of the per-row cross-entropy with respect to the logits, given the per-row
 * gradient `dy`: dy·(softmax(x) − ((1 − ε)·onehot(y) + ε/cols)), zeros where the label is
 * `ignoreIndex`. One pass per row (max, then exp written in place, then scaling).
 */
export function crossEntropyBackward(
  logits: Float32Array,
  labels: Int32Array,
  dy: Float32Array,
  cols: number,
  ignoreIndex = -100,
  labelSmoothing = 0,
): Float32Array {
  const rows = labels.length;
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const label = checkedLabel(labels, r, cols, ignoreIndex);
    const d = dy[r]!;
    if (label < 0 || d === 0) continue;
    const off = r * cols;
    let m = -Infinity;
    for (let j = off; j < off + cols; j++) if (logits[j]! > m) m = logits[j]!;
    let s = 0;
    for (let j = off; j < off + cols; j++) {
      const e = Math.exp(logits[j]! - m);
      out[j] = e;
      s += e;
    }
    scaleRow(out, off, cols, d / s, d, label, labelSmoothing);
  }
  return out;
}

/** Turns row `off` of `p` (softmax values times `inv`/`d`) into d·(p − target) in place. */
export function scaleRow(p: Float32Array, off: number, cols: number, inv: number, d: number, label: number, labelSmoothing: number): void {
  const base = (d * labelSmoothing) / cols;
  for (let j = off; j < off + cols; j++) p[j] = p[j]! * inv - base;
  p[off + label]! -= d * (1 - labelSmoothing);
}

/** Row `r`'s label, or -1 when it is the ignore index; throws for any other label outside [0, cols). */
export function checkedLabel(labels: Int32Array, r: number, cols: number, ignoreIndex: number): number {
  const label = labels[r]!;
  if (label === ignoreIndex) return -1;
  if (label < 0 || label >= cols) {
    throw new ArgumentError(`crossEntropy: label ${label} in row ${r} is out of range [0, ${cols}) and is not the ignore index ${ignoreIndex}`);
  }
  return label;
}

/**
 * One fused Adam/AdamW step over flat arrays; returns [param, m, v], written into `out`
 * when given (which may be the inputs themselves: each element is read before written).
 */
export function adamStep(
  p: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  a: AdamStepArgs,
  out?: [Float32Array, Float32Array, Float32Array],
): [Float32Array, Float32Array, Float32Array] {
  const n = p.length;
  const [p2, m2, v2] = out ?? [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
  const { beta1, beta2, epsilon, lr } = a;
  const ic1 = 1 / a.c1;
  const ic2 = 1 / a.c2;
  const decay = 1 - lr * a.weightDecay;
  for (let i = 0; i < n; i++) {
    const gi = g[i]!;
    const mi = beta1 * m[i]! + (1 - beta1) * gi;
    const vi = beta2 * v[i]! + (1 - beta2) * gi * gi;
    m2[i] = mi;
    v2[i] = vi;
    p2[i] = p[i]! * decay - (lr * (mi * ic1)) / (Math.sqrt(vi * ic2) + epsilon);
  }
  return [p2, m2, v2];
}
