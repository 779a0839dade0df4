/**
 * The fused whole-sequence LSTM (`lstmSequence` and its gradient) on the native addon and
 * on the WebAssembly/JS path, against the per-step `lstmCell` composite (itself checked by
 * the conformance kit against float64) and against central differences; odd sizes
 * (T, B, I, H of 0 and 1, H not a multiple of the 16-lane SIMD width), typed errors, memory.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ShapeError, add, createHeed, lstmCell, lstmSequence, mul, randomNormal, reshape, slice, stack, sum, tensor, valueAndGrads, type Heed, type Tensor } from '@heed/core';
import { cpuBackendModuleWith, CpuBackend } from '../src/index.js';
import { nativeKernels } from '../src/native/index.js';

/** The per-step composite: lstmCell over each step (what backends without the fused kernel run). */
function stepped(x: Tensor, h0: Tensor, c0: Tensor, w: Tensor, r: Tensor, b: Tensor): Tensor[] {
  let h = h0;
  let c = c0;
  const ys: Tensor[] = [];
  for (let t = 0; t < x.shape[0]!; t++) {
    const xt = reshape(slice(x, [t, 0, 0], [1, x.shape[1]!, x.shape[2]!]), [x.shape[1]!, x.shape[2]!]);
    [h, c] = lstmCell(xt, h, c, w, r, b);
    ys.push(h);
  }
  return [stack(ys, 0), h, c];
}

/** Normwise relative error ‖a − b‖ / max(‖b‖, 1e-12). */
function rel(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let n = 0;
  let d = 0;
  for (let i = 0; i < a.length; i++) {
    n += (a[i]! - b[i]!) ** 2;
    d += b[i]! ** 2;
  }
  return Math.sqrt(n) / Math.max(Math.sqrt(d), 1e-12);
}

const f32 = (t: Tensor): Float32Array => t.dataSync() as Float32Array;

const SIZES: [number, number, number, number][] = [
  [5, 3, 4, 6],
  [1, 1, 1, 1],
  [3, 2, 7, 17],
  [4, 2, 5, 33],
  [0, 2, 3, 5],
  [3, 2, 0, 4],
  [2, 0, 3, 4],
];

const SYSTEMS = [
  { name: 'native addon', native: true },
  { name: 'WebAssembly gemm + JS cell', native: false },
] as const;

for (const sys of SYSTEMS) {
  describe(`lstmSequence on ${sys.name}`, () => {
    let heed: Heed;
    beforeAll(async () => {
      heed = await createHeed({ plugins: [cpuBackendModuleWith({ native: sys.native })], setActive: true });
    });
    afterAll(() => heed.dispose());

    it('runs the path it claims', () => {
      const info = (heed.engine.backend as CpuBackend).info;
      if (sys.native && nativeKernels().length) expect(info.kernel).toMatch(/^native-/);
      if (!sys.native) expect(info.kernel).not.toMatch(/^native-/);
    });

    for (const [T, B, I, H] of SIZES) {
      it(`T=${T} B=${B} I=${I} H=${H}: values and gradients equal the per-step cells`, () => {
        heed.tidy(() => {
          const x = randomNormal([T, B, I], 0, 1, { seed: 1 });
          const h0 = randomNormal([B, H], 0, 0.5, { seed: 2 });
          const c0 = randomNormal([B, H], 0, 0.5, { seed: 3 });
          const w = randomNormal([I, 4 * H], 0, 0.4, { seed: 4 });
          const r = randomNormal([H, 4 * H], 0, 0.4, { seed: 5 });
          const b = randomNormal([4 * H], 0, 0.4, { seed: 6 });
          const wy = randomNormal([T, B, H], 0, 1, { seed: 7 });
          const wh = randomNormal([B, H], 0, 1, { seed: 8 });
          const wc = randomNormal([B, H], 0, 1, { seed: 9 });
          const loss = (outs: Tensor[]): Tensor => add(add(sum(mul(outs[0]!, wy)), sum(mul(outs[1]!, wh))), sum(mul(outs[2]!, wc)));
          const fused = valueAndGrads((...a: Tensor[]) => {
            const o = lstmSequence(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!);
            expect(o.y.shape).toEqual([T, B, H]);
            return loss([o.y, o.h, o.c]);
          })([x, h0, c0, w, r, b]);
          const ref = valueAndGrads((...a: Tensor[]) => loss(T ? stepped(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!) : [reshape(a[0]!, [0, B, H]), a[1]!, a[2]!]))([x, h0, c0, w, r, b]);
          expect(Math.abs(f32(fused.value)[0]! - f32(ref.value)[0]!)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(f32(ref.value)[0]!)));
          fused.grads.forEach((g, i) => {
            expect(g.shape).toEqual(ref.grads[i]!.shape);
            expect(rel(f32(g), f32(ref.grads[i]!))).toBeLessThanOrEqual(2e-6);
          });
          // Forward values too (not only through the loss).
          const o = lstmSequence(x, h0, c0, w, r, b);
          const s = T ? stepped(x, h0, c0, w, r, b) : [o.y, h0, c0];
          expect(rel(f32(o.y), f32(s[0]!))).toBeLessThanOrEqual(1e-6);
          expect(rel(f32(o.h), f32(s[1]!))).toBeLessThanOrEqual(1e-6);
          expect(rel(f32(o.c), f32(s[2]!))).toBeLessThanOrEqual(1e-6);
        });
      });
    }

    it('gradients agree with central differences', () => {
      heed.tidy(() => {
        const [T, B, I, H] = [3, 2, 3, 5];
        const make = (seed: number, shape: number[], std: number): Float32Array => f32(randomNormal(shape, 0, std, { seed }));
        const base = [make(1, [T, B, I], 1), make(2, [B, H], 0.5), make(3, [B, H], 0.5), make(4, [I, 4 * H], 0.5), make(5, [H, 4 * H], 0.5), make(6, [4 * H], 0.5)];
        const shapes = [[T, B, I], [B, H], [B, H], [I, 4 * H], [H, 4 * H], [4 * H]];
        const wy = randomNormal([T, B, H], 0, 1, { seed: 7 });
        const wc = randomNormal([B, H], 0, 1, { seed: 8 });
        const lossOf = (...a: Tensor[]): Tensor => {
          const o = lstmSequence(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!);
          return add(sum(mul(o.y, wy)), sum(mul(o.c, wc)));
        };
        const tensors = base.map((v, i) => tensor(v, shapes[i]));
        const { grads } = valueAndGrads(lossOf)(tensors);
        const eps = 1e-2;
        for (let i = 0; i < base.length; i++) {
          const g = f32(grads[i]!);
          for (let k = 0; k < base[i]!.length; k += 3) {
            const at = (delta: number): number => {
              const v = base[i]!.slice();
              v[k]! += delta;
              const args = tensors.map((t, j) => (j === i ? tensor(v, shapes[i]) : t));
              return f32(lossOf(...args))[0]!;
            };
            const numeric = (at(eps) - at(-eps)) / (2 * eps);
            expect(Math.abs(g[k]! - numeric)).toBeLessThanOrEqual(5e-3 * (1 + Math.abs(numeric)));
          }
        }
      });
    });

    it('keeps typed errors for bad shapes', () => {
      heed.tidy(() => {
        const x = randomNormal([2, 3, 4], 0, 1);
        const h = randomNormal([3, 5], 0, 1);
        const w = randomNormal([4, 20], 0, 1);
        const r = randomNormal([5, 20], 0, 1);
        const b = randomNormal([20], 0, 1);
        expect(() => lstmSequence(randomNormal([3, 4], 0, 1), h, h, w, r, b)).toThrow(ShapeError);
        expect(() => lstmSequence(x, h, h, randomNormal([5, 20], 0, 1), r, b)).toThrow(/lstmSequence: w must be \[4, 20\]/);
        expect(() => lstmSequence(x, h, randomNormal([2, 5], 0, 1), w, r, b)).toThrow(/lstmSequence: c0 must be \[3,5\]/);
        expect(() => lstmSequence(x, h, h, w, r, randomNormal([16], 0, 1))).toThrow(/lstmSequence: bias must be \[20\]/);
      });
    });

    it('leaves memory flat over repeated training-style calls', () => {
      const run = (): void =>
        heed.tidy(() => {
          const x = randomNormal([4, 2, 3], 0, 1, { seed: 1 });
          const h0 = randomNormal([2, 5], 0, 1, { seed: 2 });
          const w = randomNormal([3, 20], 0, 0.3, { seed: 3 });
          const r = randomNormal([5, 20], 0, 0.3, { seed: 4 });
          const b = randomNormal([20], 0, 0.3, { seed: 5 });
          valueAndGrads((...a: Tensor[]) => sum(lstmSequence(a[0]!, a[1]!, a[1]!, a[2]!, a[3]!, a[4]!).y))([x, h0, w, r, b]);
        });
      run();
      const before = heed.memory();
      for (let i = 0; i < 20; i++) run();
      const after = heed.memory();
      expect(after.numTensors).toBe(before.numTensors);
      expect(after.numBytes).toBe(before.numBytes);
    });
  });
}
