/** The CPU transpose's block-copy path (permutations that keep the last axis) against index arithmetic. */
import { describe, expect, it } from 'vitest';
import { transpose as transposeKernel } from '../src/kernels/movement.js';

/** out[i] for a permutation by plain index arithmetic (the reference). */
function reference(x: Float32Array, shape: number[], perm: number[]): Float32Array {
  const outShape = perm.map((p) => shape[p]!);
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const out = new Float32Array(x.length);
  for (let o = 0; o < out.length; o++) {
    let rem = o;
    let src = 0;
    for (let d = outShape.length - 1; d >= 0; d--) {
      const idx = rem % outShape[d]!;
      rem = Math.floor(rem / outShape[d]!);
      src += idx * strides[perm[d]!]!;
    }
    out[o] = x[src]!;
  }
  return out;
}

describe('transpose keeping the last axis (block copies)', () => {
  const cases: [number[], number[]][] = [
    [[2, 3, 4, 20], [0, 2, 1, 3]],
    [[1, 1, 1, 16], [0, 2, 1, 3]],
    [[2, 0, 3, 16], [0, 2, 1, 3]],
    [[3, 5, 64], [1, 0, 2]],
    [[2, 3, 4, 15], [0, 2, 1, 3]],
    [[2, 3, 17, 5], [2, 0, 1, 3]],
  ];
  for (const [shape, perm] of cases) {
    it(`[${shape.join(',')}] by [${perm.join(',')}]`, () => {
      const x = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i * 0.5 - 3);
      expect(Array.from(transposeKernel(x, shape, perm, 'float32'))).toEqual(Array.from(reference(x, shape, perm)));
    });
  }
});
