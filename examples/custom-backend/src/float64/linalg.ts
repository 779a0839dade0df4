/** Matmul and the movement/indexing kernels of the float64 backend. */
import { ArgumentError, broadcastShapes, sizeOf, stridesOf, type DType, type Shape } from '@heed/core';
import { alloc, broadcastOffsets, offsets, take, type Buf } from './layout.js';
import type { Result } from './elementwise.js';

/**
 * Batched matmul with transpose flags and broadcast batch dimensions. A textbook triple
 * loop: the point of this backend is an unrounded double-precision dot product, not speed.
 */
export function matmul(a: Buf, aShape: Shape, b: Buf, bShape: Shape, transA: boolean, transB: boolean): Result {
  const [ar, ac] = [aShape.at(-2)!, aShape.at(-1)!];
  const [br, bc] = [bShape.at(-2)!, bShape.at(-1)!];
  const [m, k] = transA ? [ac, ar] : [ar, ac];
  const n = transB ? br : bc;
  // Element (i, p) of op(a) and (p, j) of op(b), as strides into one matrix.
  const [aI, aP] = transA ? [1, ac] : [ac, 1];
  const [bP, bJ] = transB ? [1, bc] : [bc, 1];
  const batchA = aShape.slice(0, -2);
  const batchB = bShape.slice(0, -2);
  const batch = broadcastShapes('float64.matmul', batchA, batchB);
  const ia = broadcastOffsets(batchA, batch);
  const ib = broadcastOffsets(batchB, batch);
  const out = new Float64Array(ia.length * m * n);
  for (let bi = 0; bi < ia.length; bi++) {
    const a0 = ia[bi]! * ar * ac;
    const b0 = ib[bi]! * br * bc;
    const o0 = bi * m * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += a[a0 + i * aI + p * aP]! * b[b0 + p * bP + j * bJ]!;
        out[o0 + i * n + j] = s;
      }
    }
  }
  return { values: out, shape: [...batch, m, n] };
}

/** Output dim i is input dim perm[i]: read the input with permuted strides. */
export function transpose(x: Buf, shape: Shape, perm: readonly number[], dtype: DType): Result {
  const s = stridesOf(shape);
  const outShape = perm.map((p) => shape[p]!);
  return { values: take(x, offsets(outShape, perm.map((p) => s[p]!)), dtype), shape: outShape };
}

/** A box of `size` starting at `begin`: the input's own strides from a shifted base. */
export function slice(x: Buf, shape: Shape, begin: readonly number[], size: readonly number[], dtype: DType): Result {
  const s = stridesOf(shape);
  const base = begin.reduce((acc, b, i) => acc + b * s[i]!, 0);
  return { values: take(x, offsets(size, s, base), dtype), shape: [...size] };
}

/** Writes each input into its box of the output (the inverse of `slice`). */
export function concat(xs: readonly { values: Buf; shape: Shape }[], axis: number, dtype: DType): Result {
  const shape = [...xs[0]!.shape];
  shape[axis] = xs.reduce((acc, x) => acc + x.shape[axis]!, 0);
  const os = stridesOf(shape);
  const out = alloc(dtype, sizeOf(shape));
  let at = 0;
  for (const x of xs) {
    const dst = offsets(x.shape, os, at * os[axis]!);
    for (let i = 0; i < dst.length; i++) out[dst[i]!] = x.values[i]!;
    at += x.shape[axis]!;
  }
  return { values: out, shape };
}

/** Fills the padded output with `value`, then writes the input into its box. */
export function pad(x: Buf, shape: Shape, paddings: readonly (readonly [number, number])[], value: number, dtype: DType): Result {
  const outShape = shape.map((d, i) => paddings[i]![0] + d + paddings[i]![1]);
  const os = stridesOf(outShape);
  const out = alloc(dtype, sizeOf(outShape));
  out.fill(dtype === 'bool' ? (value !== 0 ? 1 : 0) : value);
  const dst = offsets(shape, os, paddings.reduce((acc, p, i) => acc + p[0] * os[i]!, 0));
  for (let i = 0; i < dst.length; i++) out[dst[i]!] = x[i]!;
  return { values: out, shape: outShape };
}

/** Views a shape around `axis` as [outer, n, inner] blocks, the layout gather/scatter work in. */
function around(shape: Shape, axis: number): [number, number, number] {
  return [sizeOf(shape.slice(0, axis)), shape[axis]!, sizeOf(shape.slice(axis + 1))];
}

function checkIndex(op: string, idx: number, n: number): void {
  if (!(idx >= 0 && idx < n)) throw new ArgumentError(`${op}: index ${idx} is out of range [0, ${n})`);
}

/** out[o, j, i] = x[o, indices[j], i]; an out-of-range index throws (we can see it synchronously). */
export function gather(x: Buf, shape: Shape, indices: Int32Array, indexShape: Shape, axis: number, dtype: DType): Result {
  const [outer, n, inner] = around(shape, axis);
  const out = alloc(dtype, outer * indices.length * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < indices.length; j++) {
      const idx = indices[j]!;
      checkIndex('gather', idx, n);
      const src = (o * n + idx) * inner;
      const dst = (o * indices.length + j) * inner;
      for (let i = 0; i < inner; i++) out[dst + i] = x[src + i]!;
    }
  }
  return { values: out, shape: [...shape.slice(0, axis), ...indexShape, ...shape.slice(axis + 1)] };
}

/** The adjoint of gather: zeros of `shape`, each update slice added at its index. */
export function scatterAdd(indices: Int32Array, updates: Buf, shape: Shape, axis: number): Result {
  const [outer, n, inner] = around(shape, axis);
  const out = new Float64Array(sizeOf(shape));
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < indices.length; j++) {
      const idx = indices[j]!;
      checkIndex('scatterAdd', idx, n);
      const src = (o * indices.length + j) * inner;
      const dst = (o * n + idx) * inner;
      for (let i = 0; i < inner; i++) out[dst + i]! += updates[src + i]!;
    }
  }
  return { values: out, shape: [...shape] };
}
