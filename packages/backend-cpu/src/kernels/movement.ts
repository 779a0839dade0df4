import { allocArray, sizeOf, stridesOf, type DType, type Shape, type TypedArray } from '@heed/core';

/** Permutes dimensions: output dim i is input dim perm[i]. */
export function transpose(x: TypedArray, shape: Shape, perm: readonly number[], dtype: DType): TypedArray {
  const rank = shape.length;
  const out = allocArray(dtype, x.length);
  if (x.length === 0) return out;
  const inStrides = stridesOf(shape);
  const outShape = perm.map((p) => shape[p]!);
  // Fast path: a batched 2-D transpose of the last two dims, blocked for the cache.
  if (rank >= 2 && perm.slice(0, -2).every((p, i) => p === i) && perm[rank - 2] === rank - 1 && perm[rank - 1] === rank - 2) {
    const rows = shape[rank - 2]!;
    const cols = shape[rank - 1]!;
    const batch = x.length / (rows * cols);
    const B = 32;
    for (let b = 0; b < batch; b++) {
      const base = b * rows * cols;
      for (let r0 = 0; r0 < rows; r0 += B) {
        for (let c0 = 0; c0 < cols; c0 += B) {
          const r1 = Math.min(r0 + B, rows);
          const c1 = Math.min(c0 + B, cols);
          for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) out[base + c * rows + r] = x[base + r * cols + c]!;
        }
      }
    }
    return out;
  }
  const srcStride = perm.map((p) => inStrides[p]!);
  const last = outShape[rank - 1]!;
  const lastStride = srcStride[rank - 1]!;
  const idx = new Array<number>(rank).fill(0);
  let src = 0;
  // Contiguous runs (e.g. attention heads split / merged by [0, 2, 1, 3]) are block copies.
  const runs = lastStride === 1 && last >= 16;
  for (let o = 0; o < out.length; o += last) {
    if (runs) out.set(x.subarray(src, src + last), o);
    else for (let j = 0, s = src; j < last; j++, s += lastStride) out[o + j] = x[s]!;
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]!++;
      src += srcStride[d]!;
      if (idx[d]! < outShape[d]!) break;
      src -= srcStride[d]! * outShape[d]!;
      idx[d] = 0;
    }
  }
  return out;
}

/** Copies a box `size` at `begin` out of `x`. */
export function slice(x: TypedArray, shape: Shape, begin: readonly number[], size: readonly number[], dtype: DType): TypedArray {
  const out = allocArray(dtype, sizeOf(size));
  if (out.length === 0) return out;
  const rank = shape.length;
  if (rank === 0) {
    out[0] = x[0]!;
    return out;
  }
  const strides = stridesOf(shape);
  const last = size[rank - 1]!;
  const idx = new Array<number>(rank).fill(0);
  let src = begin.reduce((acc, b, i) => acc + b * strides[i]!, 0);
  for (let o = 0; o < out.length; o += last) {
    out.set(x.subarray(src, src + last), o);
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]!++;
      src += strides[d]!;
      if (idx[d]! < size[d]!) break;
      src -= strides[d]! * size[d]!;
      idx[d] = 0;
    }
  }
  return out;
}

/** Concatenates along `axis`. */
export function concat(xs: readonly { values: TypedArray; shape: Shape }[], axis: number, dtype: DType): { values: TypedArray; shape: number[] } {
  const shape = [...xs[0]!.shape];
  shape[axis] = xs.reduce((n, x) => n + x.shape[axis]!, 0);
  const out = allocArray(dtype, sizeOf(shape));
  const outer = sizeOf(shape.slice(0, axis));
  const innerOut = sizeOf(shape.slice(axis));
  let offset = 0;
  for (const x of xs) {
    const chunk = sizeOf(x.shape.slice(axis));
    for (let o = 0; o < outer; o++) out.set(x.values.subarray(o * chunk, (o + 1) * chunk), o * innerOut + offset);
    offset += chunk;
  }
  return { values: out, shape };
}

/** Pads with a constant. */
export function pad(x: TypedArray, shape: Shape, paddings: readonly (readonly [number, number])[], value: number, dtype: DType): { values: TypedArray; shape: number[] } {
  const outShape = shape.map((d, i) => d + paddings[i]![0] + paddings[i]![1]);
  const out = allocArray(dtype, sizeOf(outShape));
  if (value !== 0) out.fill(value);
  if (x.length === 0) return { values: out, shape: outShape };
  const rank = shape.length;
  if (rank === 0) {
    out[0] = x[0]!;
    return { values: out, shape: outShape };
  }
  const outStrides = stridesOf(outShape);
  const last = shape[rank - 1]!;
  const idx = new Array<number>(rank).fill(0);
  let dst = paddings.reduce((acc, p, i) => acc + p[0] * outStrides[i]!, 0);
  for (let s = 0; s < x.length; s += last) {
    out.set(x.subarray(s, s + last), dst);
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]!++;
      dst += outStrides[d]!;
      if (idx[d]! < shape[d]!) break;
      dst -= outStrides[d]! * shape[d]!;
      idx[d] = 0;
    }
  }
  return { values: out, shape: outShape };
}
