import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../backend.js';
import type { DType } from '../dtype.js';
import { Engine, setEngine } from '../engine.js';
import { ArgumentError, DisposedError, ShapeError } from '../errors.js';
import * as ops from '../ops/index.js';
import { variable } from '../memory.js';
import { Adam } from '../optim.js';
import type { Tensor } from '../tensor.js';
import { mismatch, type Tolerance } from './compare.js';
import { f32, values } from './data.js';
import { erfRef, lseRef, ref, rowsRef, type Ref } from './reference.js';
import { registerGradientChecks } from './gradients.js';
import { registerFusedChecks } from './fused-checks.js';
import { registerElementwiseChecks } from './elementwise-checks.js';
import { registerShapeChecks } from './shape-checks.js';

/** Options of the conformance kit. */
export interface ConformanceOptions {
  /** Suite name (default: the backend's name). */
  name?: string;
  /** Overrides the default float tolerance (rtol 1e-5, atol 1e-6). */
  tolerance?: Partial<Tolerance>;
}

/** What the kit's check helpers need: the engine under test and the tolerance. */
export interface KitContext {
  readonly engine: () => Engine;
  readonly tol: Tolerance;
  /** A tensor on the backend under test. */
  t(vals: number[] | number, shape: readonly number[], dtype?: DType): Tensor;
  /** Asserts a tensor equals a reference (then disposes it). */
  check(actual: Tensor, expected: Ref, tol?: Partial<Tolerance>): Promise<void>;
}

/**
 * Registers the cross-backend conformance suite (vitest) for a backend: every primitive
 * and fused kernel against a float64 reference, gradients of every differentiable op
 * against finite differences, broadcasting edge cases, size-0 and size-1 dimensions,
 * large logits, memory accounting and input validation. Call it at the top level of a
 * test file: `runBackendConformance(() => new MyBackend())`.
 */
export function runBackendConformance(create: () => Backend | Promise<Backend>, options: ConformanceOptions = {}): void {
  const tol: Tolerance = { rtol: options.tolerance?.rtol ?? 1e-5, atol: options.tolerance?.atol ?? 1e-6 };
  let engine: Engine | undefined;
  const ctx: KitContext = {
    engine: () => engine!,
    tol,
    t: (vals, shape, dtype = 'float32') => ops.tensor(typeof vals === 'number' ? [vals] : vals, shape, dtype, { engine: engine! }),
    async check(actual, expected, over) {
      const msg = await mismatch(actual, expected, { ...tol, ...over });
      actual.dispose();
      expect(msg).toBeNull();
    },
  };
  const { t } = ctx;

  describe(`backend conformance${options.name ? `: ${options.name}` : ''}`, () => {
    beforeAll(async () => {
      engine = new Engine(await create());
      setEngine(engine);
    });
    afterAll(() => {
      engine?.dispose();
      setEngine(undefined);
    });

    describe('storage', () => {
      it('round-trips every dtype, including size-0 and scalars', async () => {
        for (const [vals, shape, dtype] of [
          [[1.5, -2, 3e30, -0], [2, 2], 'float32'],
          [[1, -2, 2147483647, -2147483648], [4], 'int32'],
          [[1, 0, 1], [3], 'bool'],
          [[], [0, 3], 'float32'],
          [[7], [], 'int32'],
        ] as [number[], number[], DType][]) {
          const x = t(vals, shape, dtype);
          expect(Array.from(await x.data())).toEqual(dtype === 'float32' ? f32(vals) : vals);
          expect(x.shape).toEqual(shape);
          x.dispose();
        }
      });
      it('frees storage on dispose and keeps views alive while one remains', () => {
        const before = engine!.memory();
        const x = t(values([64], 1), [64]);
        const v = ops.reshape(x, [8, 8]);
        x.dispose();
        expect(engine!.memory().numDataBuffers).toBe(before.numDataBuffers + 1);
        v.dispose();
        const after = engine!.memory();
        expect(after.numDataBuffers).toBe(before.numDataBuffers);
        expect(after.numBytes).toBe(before.numBytes);
        expect(after.backend.buffers).toBe(before.backend.buffers);
      });
      it('tidy disposes intermediates and leaves no backend buffers behind', () => {
        const before = engine!.memory();
        const x = t(values([4, 4], 2), [4, 4]);
        const y = engine!.tidy(() => ops.sum(ops.matmul(ops.exp(x), ops.transpose(x))));
        x.dispose();
        y.dispose();
        expect(engine!.memory().backend.buffers).toBe(before.backend.buffers);
        expect(engine!.memory().numTensors).toBe(before.numTensors);
      });
      it('rejects a disposed tensor with DisposedError', () => {
        const x = t([1, 2], [2]);
        x.dispose();
        expect(() => ops.exp(x)).toThrow(DisposedError);
      });
    });

    registerElementwiseChecks(ctx);
    registerShapeChecks(ctx);
    registerFusedChecks(ctx, { rowsRef, lseRef, erfRef, ref, values, f32 });
    registerGradientChecks(ctx);

    describe('optimizer step', () => {
      it('Adam (fused adamStep where the backend has it) matches the update equations', async () => {
        const p0 = f32(values([3, 4], 40));
        const grads = [0, 1, 2].map((i) => f32(values([3, 4], 41 + i)));
        const w = variable(t(p0, [3, 4]), 'w');
        const opt = new Adam(0.05, { weightDecay: 0.01 });
        const m = new Float64Array(12);
        const v = new Float64Array(12);
        const p = Float64Array.from(p0);
        for (let step = 1; step <= 3; step++) {
          const g = t(grads[step - 1]!, [3, 4]);
          opt.step(new Map([[w, g]]));
          g.dispose();
          for (let i = 0; i < 12; i++) {
            const gi = grads[step - 1]![i]!;
            m[i] = 0.9 * m[i]! + 0.1 * gi;
            v[i] = 0.999 * v[i]! + 0.001 * gi * gi;
            p[i] = p[i]! * (1 - 0.05 * 0.01) - (0.05 * (m[i]! / (1 - 0.9 ** step))) / (Math.sqrt(v[i]! / (1 - 0.999 ** step)) + 1e-8);
          }
        }
        expect(await mismatch(w, ref(Array.from(p), [3, 4]), { rtol: 1e-5, atol: 1e-6 })).toBeNull();
        opt.dispose();
        w.dispose();
      });
    });

    describe('validation', () => {
      it('names the op and the shapes', () => {
        const x = t([1, 2, 3], [3]);
        expect(() => ops.transpose(x, [1, 0])).toThrow(/transpose/);
        expect(() => ops.sum(x, 3)).toThrow(/axis 3/);
        expect(() => ops.tensor([1, 2, 3], [2, 2], 'float32', { engine: engine! })).toThrow(ShapeError);
        expect(() => ops.dropout(x, 1.5)).toThrow(ArgumentError);
        expect(() => ops.zeros([1e6, 1e6], 'float32', { engine: engine! })).toThrow(/more than the \d+ a tensor can hold/);
        x.dispose();
      });
    });
  });
}
