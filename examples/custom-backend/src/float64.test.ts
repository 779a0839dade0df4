// What the conformance kit cannot see (it compares at float32 tolerance): that the float64
// backend really is double precision inside.
import { describe, expect, it } from 'vitest';
import { Engine, matmul, sum, tensor } from '@heed/core';
import { erf } from './float64/erf.js';
import { Float64Backend } from './float64-backend.js';

describe('float64 backend internals', () => {
  it('erf matches published double-precision values', () => {
    const known: [number, number][] = [
      [0, 0],
      [1e-8, 1.1283791670955126e-8],
      [0.5, 0.5204998778130465],
      [1, 0.8427007929497149],
      [-1.5, -0.9661051464753108],
      [2, 0.9953222650189527],
      [3, 0.9999779095030014],
      [4, 0.9999999845827421],
      [-6.5, -1],
    ];
    for (const [x, want] of known) expect(Math.abs(erf(x) - want)).toBeLessThanOrEqual(2e-16 + 1e-14 * Math.abs(want));
    expect(erf(NaN)).toBeNaN();
  });

  it('accumulates in double precision: 1e8 + 1 − 1e8 = 1, where float32 gives 0', async () => {
    const backend = new Float64Backend();
    const engine = new Engine(backend);
    // 1e8 is exact in float32, but 1e8 + 1 is not (float32 spacing there is 8).
    const x = tensor([1e8, 1, -1e8], [3], 'float32', { engine });
    const s = sum(x);
    const data = await s.data();
    expect(data).toBeInstanceOf(Float32Array); // read gives the dtype's normal array
    expect(data[0]).toBe(1);
    const a = tensor([1e8, 1, -1e8], [1, 3], 'float32', { engine });
    const b = tensor([1, 1, 1], [3, 1], 'float32', { engine });
    const d = matmul(a, b);
    expect((await d.data())[0]).toBe(1);
    for (const t of [x, s, a, b, d]) t.dispose();
    expect(backend.memory()).toEqual({ buffers: 0, bytes: 0 });
  });
});
