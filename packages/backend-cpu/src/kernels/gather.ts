import { allocArray, ArgumentError, sizeOf, type DType, type Shape, type TypedArray } from '@heed/core';

function checkIndex(op: string, v: number, n: number, pos: number): void {
  if (v < 0 || v >= n) throw new ArgumentError(`${op}: index ${v} at position ${pos} is out of range [0, ${n})`);
}

/** Gathers slices along `axis` at `indices`. */
export function gather(x: TypedArray, shape: Shape, indices: Int32Array, axis: number, dtype: DType): TypedArray {
  const outer = sizeOf(shape.slice(0, axis));
  const n = shape[axis]!;
  const inner = sizeOf(shape.slice(axis + 1));
  const out = allocArray(dtype, outer * indices.length * inner);
  for (let j = 0; j < indices.length; j++) checkIndex('gather', indices[j]!, n, j);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < indices.length; j++) {
      const src = (o * n + indices[j]!) * inner;
      out.set(x.subarray(src, src + inner), (o * indices.length + j) * inner);
    }
  }
  return out;
}

/** Adds slices of `updates` into zeros of `shape` at `indices` along `axis`. */
export function scatterAdd(indices: Int32Array, updates: TypedArray, shape: Shape, axis: number): Float32Array {
  const outer = sizeOf(shape.slice(0, axis));
  const n = shape[axis]!;
  const inner = sizeOf(shape.slice(axis + 1));
  const out = new Float32Array(sizeOf(shape));
  for (let j = 0; j < indices.length; j++) checkIndex('scatterAdd', indices[j]!, n, j);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < indices.length; j++) {
      const dst = (o * n + indices[j]!) * inner;
      const src = (o * indices.length + j) * inner;
      for (let i = 0; i < inner; i++) out[dst + i]! += updates[src + i]!;
    }
  }
  return out;
}
