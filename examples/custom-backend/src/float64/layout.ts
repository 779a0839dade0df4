/**
 * Storage layout helpers for the float64 backend. Every tensor is contiguous and
 * row-major (the contract guarantees it), so all movement kernels reduce to one idea:
 * walk the output in row-major order and read the input at `base + Σ index[d]·stride[d]`.
 * Transpose permutes the strides, slice offsets the base, broadcasting sets a stride to 0.
 */
import { sizeOf, stridesOf, type DType, type Shape } from '@heed/core';

/** What this backend keeps per tensor: float32 is widened to float64 on the way in. */
export type Buf = Float64Array | Int32Array | Uint8Array;

/** A zeroed buffer of the storage type of `dtype`. */
export function alloc(dtype: DType, size: number): Buf {
  if (dtype === 'float32') return new Float64Array(size);
  if (dtype === 'int32') return new Int32Array(size);
  return new Uint8Array(size);
}

/**
 * The flat input offset of every element of `shape`, in row-major order, for an input
 * read with `strides` starting at `base`. An odometer over the dimensions: O(1) per element.
 */
export function offsets(shape: Shape, strides: readonly number[], base = 0): Int32Array {
  const n = sizeOf(shape);
  const out = new Int32Array(n);
  const rank = shape.length;
  const idx = new Array<number>(rank).fill(0);
  let off = base;
  for (let i = 0; i < n; i++) {
    out[i] = off;
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]!++;
      off += strides[d]!;
      if (idx[d]! < shape[d]!) break;
      off -= strides[d]! * shape[d]!;
      idx[d] = 0;
    }
  }
  return out;
}

/** Strides that read a tensor of `inShape` as if it were broadcast to `outShape` (0 on broadcast dims). */
export function broadcastStrides(inShape: Shape, outShape: Shape): number[] {
  const s = stridesOf(inShape);
  const lead = outShape.length - inShape.length;
  return outShape.map((_, i) => {
    const j = i - lead;
    return j < 0 || inShape[j] === 1 ? 0 : s[j]!;
  });
}

/** Offsets that read `inShape` broadcast to `outShape`. */
export function broadcastOffsets(inShape: Shape, outShape: Shape): Int32Array {
  return offsets(outShape, broadcastStrides(inShape, outShape));
}

/** Copies `src` through `offs` into a new buffer of `dtype`: out[i] = src[offs[i]]. */
export function take(src: Buf, offs: Int32Array, dtype: DType): Buf {
  const out = alloc(dtype, offs.length);
  for (let i = 0; i < offs.length; i++) out[i] = src[offs[i]!]!;
  return out;
}
