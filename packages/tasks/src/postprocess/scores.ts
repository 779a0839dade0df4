/** Score helpers shared by the postprocess functions: row softmax, sigmoid, argmax (float64 on the host). */

/** Softmax of `x[offset .. offset+n)` (max-shifted, as Hugging Face's numpy version). */
export function softmaxRow(x: ArrayLike<number>, offset: number, n: number): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < n; i++) max = Math.max(max, x[offset + i]!);
  const out = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const e = Math.exp(x[offset + i]! - max);
    out[i] = e;
    sum += e;
  }
  for (let i = 0; i < n; i++) out[i]! /= sum;
  return out;
}

/** Logistic sigmoid. */
export function sigmoid(v: number): number {
  return 1 / (1 + Math.exp(-v));
}

/** Index of the largest value (the first one on ties, as numpy's argmax). */
export function argmax(x: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i]! > x[best]!) best = i;
  return best;
}

/** The label of class `i`: `labels[i]`, or Hugging Face's default `LABEL_i`. */
export function labelOf(labels: readonly string[] | undefined, i: number): string {
  return labels?.[i] ?? `LABEL_${i}`;
}
