import { broadcastShapes, type Shape } from '@heed/core';

/**
 * Element strides of `shape` aligned to an output of rank `rank`, with 0 for broadcast
 * dimensions, so that output index (i₀…iₙ) reads input offset Σ iₖ·stride[k].
 */
export function broadcastStrides(shape: Shape, out: Shape): number[] {
  const rank = out.length;
  const strides = new Array<number>(rank).fill(0);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const o = rank - shape.length + i;
    strides[o] = shape[i] === 1 && out[o] !== 1 ? 0 : acc;
    acc *= shape[i]!;
  }
  return strides;
}

/**
 * Visits every output element of a broadcast of several inputs, calling
 * `inner(outOffset, offsets, count, innerStrides)` once per run of the last dimension.
 * Keeps the per-element work in the caller's tight loop.
 */
export function forEachBroadcastRow(
  out: Shape,
  inputs: readonly Shape[],
  inner: (outOffset: number, offsets: readonly number[], count: number, innerStrides: readonly number[]) => void,
): void {
  const rank = out.length;
  const n = inputs.length;
  if (rank === 0) {
    inner(0, new Array<number>(n).fill(0), 1, new Array<number>(n).fill(0));
    return;
  }
  const strides = inputs.map((s) => broadcastStrides(s, out));
  const last = out[rank - 1]!;
  const innerStrides = strides.map((s) => s[rank - 1]!);
  let rows = 1;
  for (let i = 0; i < rank - 1; i++) rows *= out[i]!;
  if (rows === 0 || last === 0) return;
  const idx = new Array<number>(rank - 1).fill(0);
  const offsets = new Array<number>(n).fill(0);
  for (let r = 0; r < rows; r++) {
    inner(r * last, offsets, last, innerStrides);
    // Advance the multi-index over the leading dims and update the input offsets.
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]!++;
      for (let k = 0; k < n; k++) offsets[k]! += strides[k]![d]!;
      if (idx[d]! < out[d]!) break;
      for (let k = 0; k < n; k++) offsets[k]! -= strides[k]![d]! * out[d]!;
      idx[d] = 0;
    }
  }
}

export { broadcastShapes };
