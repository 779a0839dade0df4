import { DTypeError, ShapeError, fmt, type Tensor } from '@heed/core';

export { fmt };

/** Throws a ShapeError naming `layer` unless `t` has rank `rank` and each given dim matches (undefined = any). */
export function expectShape(layer: string, what: string, t: Tensor, dims: readonly (number | undefined)[], meaning: string): void {
  if (t.rank !== dims.length || dims.some((d, i) => d !== undefined && d !== t.shape[i])) {
    throw new ShapeError(`${layer}: ${what} must be ${meaning}${dims.some((d) => d !== undefined) ? ` = ${fmt(dims.map((d) => d ?? -1))} (-1: any)` : ''}, got ${fmt(t.shape)}`);
  }
}

/** Throws a DTypeError naming `layer` unless `t` has dtype `dtype`. */
export function expectDTypeOf(layer: string, what: string, t: Tensor, dtype: Tensor['dtype']): void {
  if (t.dtype !== dtype) throw new DTypeError(`${layer}: ${what} must be ${dtype}, got ${t.dtype} ${fmt(t.shape)}`);
}
