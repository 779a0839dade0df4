import { allocArray, sizeOf, type ArgReduceOp, type DType, type ReduceOp, type Shape, type TypedArray } from '@heed/core';

/**
 * Splits a reduction into [outer, reduced, inner] after moving the reduced axes
 * together. Contiguous reduced axes need no copy; otherwise the caller transposes.
 */
function isContiguous(axes: readonly number[]): boolean {
  for (let i = 1; i < axes.length; i++) if (axes[i] !== axes[i - 1]! + 1) return false;
  return true;
}

/** Moves `axes` to the end (a transposition), returning the new array and shape. */
export type Permute = (x: TypedArray, shape: Shape, perm: readonly number[], dtype: DType) => TypedArray;

/** Reduction over sorted `axes`; the output drops them. */
export function reduce(op: ReduceOp, x: TypedArray, shape: Shape, axes: readonly number[], dtype: DType, permute: Permute): { values: TypedArray; shape: number[] } {
  const outShape = shape.filter((_, i) => !axes.includes(i));
  let data = x;
  let outer: number;
  let red: number;
  let inner: number;
  if (axes.length === 0) {
    return { values: data.slice(), shape: [...shape] };
  }
  if (isContiguous(axes)) {
    outer = sizeOf(shape.slice(0, axes[0]));
    red = sizeOf(axes.map((a) => shape[a]!));
    inner = sizeOf(shape.slice(axes.at(-1)! + 1));
  } else {
    const keep = shape.map((_, i) => i).filter((i) => !axes.includes(i));
    const perm = [...keep, ...axes];
    data = permute(x, shape, perm, dtype);
    outer = sizeOf(outShape);
    red = sizeOf(axes.map((a) => shape[a]!));
    inner = 1;
  }
  const out = allocArray(dtype, outer * inner);
  const init = op === 'sum' ? 0 : op === 'prod' ? 1 : op === 'max' ? -Infinity : Infinity;
  for (let o = 0; o < outer; o++) {
    const base = o * red * inner;
    if (inner === 1) {
      let acc = init;
      const end = base + red;
      switch (op) {
        case 'sum':
          for (let r = base; r < end; r++) acc += data[r]!;
          break;
        case 'prod':
          for (let r = base; r < end; r++) acc *= data[r]!;
          break;
        case 'max':
          for (let r = base; r < end; r++) if (data[r]! > acc || Number.isNaN(data[r]!)) acc = data[r]!;
          break;
        case 'min':
          for (let r = base; r < end; r++) if (data[r]! < acc || Number.isNaN(data[r]!)) acc = data[r]!;
          break;
      }
      out[o] = acc;
    } else if (op === 'sum' && data instanceof Float32Array) {
      // Column sums (e.g. a bias gradient over rows): one monomorphic loop.
      const acc = sumColumnsF32(data, base, red, inner);
      for (let i = 0; i < inner; i++) out[o * inner + i] = acc[i]!;
    } else {
      const acc = new Float64Array(inner).fill(init);
      for (let r = 0; r < red; r++) {
        const row = base + r * inner;
        for (let i = 0; i < inner; i++) {
          const v = data[row + i]!;
          if (op === 'sum') acc[i]! += v;
          else if (op === 'prod') acc[i]! *= v;
          else if (op === 'max') {
            if (v > acc[i]! || Number.isNaN(v)) acc[i] = v;
          } else if (v < acc[i]! || Number.isNaN(v)) acc[i] = v;
        }
      }
      for (let i = 0; i < inner; i++) out[o * inner + i] = acc[i]!;
    }
  }
  return { values: out, shape: outShape };
}

/** Index of the max/min along `axis`; ties give the first index. */
export function argReduce(op: ArgReduceOp, x: TypedArray, shape: Shape, axis: number): { values: Int32Array; shape: number[] } {
  const outer = sizeOf(shape.slice(0, axis));
  const red = shape[axis]!;
  const inner = sizeOf(shape.slice(axis + 1));
  const out = new Int32Array(outer * inner);
  const better = op === 'argmax' ? (a: number, b: number) => a > b : (a: number, b: number) => a < b;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * red * inner + i;
      let best = x[base]!;
      let bestIdx = 0;
      for (let r = 1; r < red; r++) {
        const v = x[base + r * inner]!;
        if (better(v, best) || (Number.isNaN(v) && !Number.isNaN(best))) {
          best = v;
          bestIdx = r;
        }
      }
      out[o * inner + i] = bestIdx;
    }
  }
  return { values: out, shape: shape.filter((_, i) => i !== axis) };
}

/** Σ over `red` rows of `inner` float32 columns starting at `base`, accumulated in float64. */
function sumColumnsF32(data: Float32Array, base: number, red: number, inner: number): Float64Array {
  const acc = new Float64Array(inner);
  for (let r = 0; r < red; r++) {
    const row = base + r * inner;
    for (let i = 0; i < inner; i++) acc[i]! += data[row + i]!;
  }
  return acc;
}
