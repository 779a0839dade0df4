/** exp / sigmoid / tanh on large float32 tensors take the SIMD path; check it against Math. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, Rng, ops } from '@heed/core';
import { CpuBackend } from '../src/index.js';

let engine: Engine;
beforeAll(() => {
  engine = new Engine(new CpuBackend());
});
afterAll(() => engine.dispose());

const REF: Record<'exp' | 'sigmoid' | 'tanh', (v: number) => number> = {
  exp: Math.exp,
  sigmoid: (v) => 1 / (1 + Math.exp(-v)),
  tanh: Math.tanh,
};

describe('SIMD unary kernels through the backend', () => {
  for (const op of ['exp', 'sigmoid', 'tanh'] as const) {
    it(`${op} over 5000 values incl. extremes matches Math to 2e-7 relative`, async () => {
      const rng = new Rng(7);
      const vals = Float32Array.from({ length: 5000 }, (_, i) => (i < 8 ? [-100, -30, -1e-6, 0, 1e-6, 30, 80, 100][i]! : rng.uniform(-20, 20)));
      const y = await ops[op](ops.tensor(vals, [5000], 'float32', { engine })).data();
      for (let i = 0; i < vals.length; i++) {
        const want = Math.fround(REF[op](vals[i]!));
        const got = y[i]!;
        if (!Number.isFinite(want)) expect(got).toBe(want);
        else expect(Math.abs(got - want)).toBeLessThanOrEqual(2e-7 * Math.abs(want) + 1e-30);
      }
    });
  }
});
