import type { Tensor } from '../tensor.js';
import type { Ref } from './reference.js';

/** Tolerances for comparing a backend's float32 result to the float64 reference. */
export interface Tolerance {
  /** Relative tolerance (default 1e-5). */
  rtol: number;
  /** Absolute tolerance (default 1e-6). */
  atol: number;
}

/** Asserts `actual` matches the reference in shape and values; returns a message or null. */
export async function mismatch(actual: Tensor, expected: Ref, tol: Tolerance): Promise<string | null> {
  if (actual.shape.length !== expected.shape.length || actual.shape.some((d, i) => d !== expected.shape[i])) {
    return `shape [${actual.shape.join(',')}] != expected [${expected.shape.join(',')}]`;
  }
  const got = await actual.data();
  for (let i = 0; i < expected.data.length; i++) {
    const e = expected.data[i]!;
    const a = got[i]!;
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    if (e === a) continue;
    if (!(Math.abs(a - e) <= tol.atol + tol.rtol * Math.abs(e))) {
      return `element ${i}: got ${a}, expected ${e} (|diff| ${Math.abs(a - e)} > ${tol.atol} + ${tol.rtol}·|expected|)`;
    }
  }
  return null;
}
