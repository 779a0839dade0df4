/** Small constructors for {@link OracleTensor}s. */
import type { OracleTensor } from './types.js';

/** A float32 tensor from numbers (copied). */
export function f32(dims: number[], values: ArrayLike<number>): OracleTensor {
  return { dtype: 'float32', dims, data: Float32Array.from(values) };
}

/** An int32 tensor from numbers (copied). */
export function i32(dims: number[], values: ArrayLike<number>): OracleTensor {
  return { dtype: 'int32', dims, data: Int32Array.from(values) };
}

/** An int64 tensor from numbers or BigInts (copied). */
export function i64(dims: number[], values: ArrayLike<number | bigint>): OracleTensor {
  return { dtype: 'int64', dims, data: BigInt64Array.from(Array.from(values, (v) => BigInt(v))) };
}

/** A bool tensor from booleans or 0/1 (copied). */
export function bool(dims: number[], values: ArrayLike<boolean | number>): OracleTensor {
  return { dtype: 'bool', dims, data: Uint8Array.from(Array.from(values, (v) => (v ? 1 : 0))) };
}

/** The elements of a tensor as plain numbers (int64 converted with `Number`). */
export function toNumbers(t: OracleTensor): number[] {
  return Array.from(t.data as ArrayLike<number | bigint>, (v) => Number(v));
}
