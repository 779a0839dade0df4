import { Rng } from '../random.js';
import { sizeOf } from '../shape.js';

/** Deterministic test values in [lo, hi). */
export function values(shape: readonly number[], seed: number, lo = -2, hi = 2): number[] {
  const rng = new Rng(seed);
  return Array.from({ length: sizeOf(shape) }, () => rng.uniform(lo, hi));
}

/** Deterministic integers in [lo, hi). */
export function ints(shape: readonly number[], seed: number, lo: number, hi: number): number[] {
  const rng = new Rng(seed);
  return Array.from({ length: sizeOf(shape) }, () => lo + rng.int(hi - lo));
}

/** Rounds to float32, so the reference sees exactly what the backend sees. */
export function f32(xs: number[]): number[] {
  return Array.from(Float32Array.from(xs));
}
