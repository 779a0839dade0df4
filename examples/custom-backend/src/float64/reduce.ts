/** Reductions of the float64 backend: sums and products accumulate in double precision. */
import { sizeOf, stridesOf, type ArgReduceOp, type DType, type ReduceOp, type Shape } from '@heed/core';
import { alloc, offsets, type Buf } from './layout.js';
import type { Result } from './elementwise.js';

const INIT: Record<ReduceOp, number> = { sum: 0, prod: 1, max: -Infinity, min: Infinity };
const STEP: Record<ReduceOp, (acc: number, v: number) => number> = {
  sum: (acc, v) => acc + v,
  prod: (acc, v) => acc * v,
  max: (acc, v) => (v > acc || Number.isNaN(v) ? v : acc),
  min: (acc, v) => (v < acc || Number.isNaN(v) ? v : acc),
};

/**
 * Reduces over `axes` (sorted). Each input element is folded into the output element it
 * maps to: walking the input with the output's strides, zeroed on reduced axes, gives
 * that mapping directly.
 */
export function reduce(op: ReduceOp, x: Buf, shape: Shape, axes: readonly number[], dtype: DType): Result {
  const outShape = shape.filter((_, i) => !axes.includes(i));
  const keptStrides = stridesOf(shape.map((d, i) => (axes.includes(i) ? 1 : d)));
  const target = offsets(shape, keptStrides.map((s, i) => (axes.includes(i) ? 0 : s)));
  const acc = new Float64Array(sizeOf(outShape)).fill(INIT[op]);
  const step = STEP[op];
  for (let i = 0; i < x.length; i++) acc[target[i]!] = step(acc[target[i]!]!, x[i]!);
  // int32 sums are exact in doubles up to 2^53; the Int32Array store wraps like C.
  const out = alloc(dtype, acc.length);
  out.set(acc);
  return { values: out, shape: outShape };
}

/** Index of the first max/min along `axis`; int32 output without that axis. */
export function argReduce(op: ArgReduceOp, x: Buf, shape: Shape, axis: number): Result {
  const outer = sizeOf(shape.slice(0, axis));
  const n = shape[axis]!;
  const inner = sizeOf(shape.slice(axis + 1));
  const better = op === 'argmax' ? (a: number, b: number) => a > b : (a: number, b: number) => a < b;
  const out = new Int32Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let best = 0;
      for (let j = 1; j < n; j++) if (better(x[base + j * inner]!, x[base + best * inner]!)) best = j;
      out[o * inner + i] = best;
    }
  }
  return { values: out, shape: shape.filter((_, i) => i !== axis) };
}
