import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend, UnaryOp, BinaryOp, CompareOp } from '../backend.js';
import type { DType } from '../dtype.js';
import { Engine, setEngine } from '../engine.js';
import { ArgumentError, DisposedError, ShapeError } from '../errors.js';
import * as ops from '../ops/index.js';
import { variable } from '../memory.js';
import { Adam } from '../optim.js';
import type { Tensor } from '../tensor.js';
import { mismatch, type Tolerance } from './compare.js';
import { f32, values } from './data.js';
import { argRef, erfRef, lseRef, map1, mapN, matmulRef, reduceRef, ref, rowsRef, transposeRef, type Ref } from './reference.js';
import { registerGradientChecks } from './gradients.js';
import { registerFusedChecks } from './fused.js';

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

const UNARY_CASES: [UnaryOp, (v: number) => number, number, number][] = [
  ['neg', (v) => -v, -3, 3],
  ['abs', Math.abs, -3, 3],
  ['sign', Math.sign, -3, 3],
  ['exp', Math.exp, -5, 5],
  ['log', Math.log, 0.01, 10],
  ['log1p', Math.log1p, -0.9, 10],
  ['sqrt', Math.sqrt, 0, 10],
  ['rsqrt', (v) => 1 / Math.sqrt(v), 0.01, 10],
  ['square', (v) => v * v, -3, 3],
  ['reciprocal', (v) => 1 / v, 0.1, 5],
  ['tanh', Math.tanh, -5, 5],
  ['sigmoid', (v) => 1 / (1 + Math.exp(-v)), -10, 10],
  ['relu', (v) => Math.max(v, 0), -3, 3],
  ['sin', Math.sin, -6, 6],
  ['cos', Math.cos, -6, 6],
  ['erf', erfRef, -4, 4],
  ['floor', Math.floor, -5, 5],
  ['ceil', Math.ceil, -5, 5],
];

const BROADCAST_SHAPES: [number[], number[]][] = [
  [[2, 3], [2, 3]],
  [[2, 3], [3]],
  [[2, 3], []],
  [[], [4]],
  [[2, 1], [1, 3]],
  [[4, 1, 3], [2, 1]],
  [[3, 1, 2, 1], [1, 4, 1, 5]],
  [[1], [1]],
  [[0, 3], [1, 3]],
  [[2, 0], [2, 1]],
];

const BINARY_REF: Record<Exclude<BinaryOp, 'logicalAnd' | 'logicalOr' | 'mod'>, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: (a, b) => a ** b,
  maximum: Math.max,
  minimum: Math.min,
};

const COMPARE_REF: Record<CompareOp, (a: number, b: number) => boolean> = {
  equal: (a, b) => a === b,
  notEqual: (a, b) => a !== b,
  less: (a, b) => a < b,
  lessEqual: (a, b) => a <= b,
  greater: (a, b) => a > b,
  greaterEqual: (a, b) => a >= b,
};

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
  const { t, check } = ctx;

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

    describe('unary', () => {
      for (const [op, f, lo, hi] of UNARY_CASES) {
        it(op, async () => {
          const vals = f32(values([3, 7], op.length, lo, hi));
          const fn = (ops as unknown as Record<string, (x: Tensor) => Tensor>)[op]!;
          const x = t(vals, [3, 7]);
          await check(fn(x), map1(ref(vals, [3, 7]), f));
          x.dispose();
        });
      }
      it('round is half-to-even; int32 neg/abs/sign; logicalNot', async () => {
        const x = t([0.5, 1.5, 2.5, -0.5, -1.5, 1.4, -1.6], [7]);
        await check(ops.round(x), ref([0, 2, 2, -0, -2, 1, -2], [7]));
        const i = t([-3, 0, 5], [3], 'int32');
        expect(Array.from(await ops.neg(i).data())).toEqual([3, 0, -5]);
        expect(Array.from(await ops.abs(i).data())).toEqual([3, 0, 5]);
        expect(Array.from(await ops.sign(i).data())).toEqual([-1, 0, 1]);
        const b = t([1, 0], [2], 'bool');
        expect(Array.from(await ops.logicalNot(b).data())).toEqual([0, 1]);
        for (const z of [x, i, b]) z.dispose();
      });
      it('size-0 and scalar inputs', async () => {
        const e = t([], [0, 4]);
        await check(ops.exp(e), ref([], [0, 4]));
        const s = t([2], []);
        await check(ops.square(s), ref([4], []));
        e.dispose();
        s.dispose();
      });
    });

    describe('binary with broadcasting', () => {
      for (const [as, bs] of BROADCAST_SHAPES) {
        it(`[${as}] ∘ [${bs}]`, async () => {
          const av = f32(values(as, 3, 0.5, 2));
          const bv = f32(values(bs, 4, 0.5, 2));
          const a = t(av, as);
          const b = t(bv, bs);
          for (const [op, f] of Object.entries(BINARY_REF)) {
            const fn = (ops as unknown as Record<string, (x: Tensor, y: Tensor) => Tensor>)[op]!;
            await check(fn(a, b), mapN([ref(av, as), ref(bv, bs)], f));
            await check(fn(b, a), mapN([ref(bv, bs), ref(av, as)], f));
          }
          a.dispose();
          b.dispose();
        });
      }
      it('int32 arithmetic: truncating div, Python mod, wrapping mul', async () => {
        const a = t([7, -7, 7, -7, 100000], [5], 'int32');
        const b = t([2, 2, -2, -2, 100000], [5], 'int32');
        expect(Array.from(await ops.div(a, b).data())).toEqual([3, -3, -3, 3, 1]);
        expect(Array.from(await ops.mod(a, b).data())).toEqual([1, 1, -1, -1, 0]);
        expect(Array.from(await ops.mul(a, b).data())).toEqual([14, -14, -14, 14, Math.imul(100000, 100000)]);
        expect(Array.from(await ops.add(a, 1).data())).toEqual([8, -6, 8, -6, 100001]);
        a.dispose();
        b.dispose();
      });
      it('float mod follows the sign of the divisor', async () => {
        const a = t([5.5, -5.5], [2]);
        await check(ops.mod(a, 2), ref([1.5, 0.5], [2]));
        a.dispose();
      });
      it('logical and/or on bool', async () => {
        const a = t([1, 1, 0, 0], [4], 'bool');
        const b = t([1, 0, 1, 0], [4], 'bool');
        expect(Array.from(await ops.logicalAnd(a, b).data())).toEqual([1, 0, 0, 0]);
        expect(Array.from(await ops.logicalOr(a, b).data())).toEqual([1, 1, 1, 0]);
        a.dispose();
        b.dispose();
      });
      it('rejects incompatible shapes and mixed dtypes with typed errors', () => {
        const a = t(values([2, 3], 1), [2, 3]);
        const b = t(values([4], 1), [4]);
        const i = t([1, 2, 3], [3], 'int32');
        expect(() => ops.add(a, b)).toThrow(ShapeError);
        expect(() => ops.add(a, b)).toThrow(/\[2,3\] and \[4\]/);
        expect(() => ops.add(a, i)).toThrow(/float32 .*int32|dtypes/);
        for (const z of [a, b, i]) z.dispose();
      });
    });

    describe('comparisons and where', () => {
      it('compare ops broadcast and give bool', async () => {
        const av = [1, 2, 3, 4, 5, 6];
        const bv = [3, 2, 1];
        const a = t(av, [2, 3]);
        const b = t(bv, [3]);
        for (const [op, f] of Object.entries(COMPARE_REF)) {
          const fn = (ops as unknown as Record<string, (x: Tensor, y: Tensor) => Tensor>)[op]!;
          const r = fn(a, b);
          expect(r.dtype).toBe('bool');
          await check(r, mapN([ref(av, [2, 3]), ref(bv, [3])], (x, y) => (f(x, y) ? 1 : 0)));
        }
        a.dispose();
        b.dispose();
      });
      it('where broadcasts condition and branches', async () => {
        const c = t([1, 0, 1], [3], 'bool');
        const av = values([2, 1], 5);
        const bv = values([2, 3], 6);
        const a = t(av, [2, 1]);
        const b = t(bv, [2, 3]);
        await check(ops.where(c, a, b), mapN([ref([1, 0, 1], [3]), ref(f32(av), [2, 1]), ref(f32(bv), [2, 3])], (x, y, z) => (x ? y : z)));
        for (const z of [a, b, c]) z.dispose();
      });
    });

    describe('reductions', () => {
      const shape = [3, 4, 5];
      const vals = f32(values(shape, 9));
      for (const axes of [[0], [1], [2], [0, 1], [0, 2], [1, 2], [0, 1, 2]]) {
        it(`sum/max/min/mean over [${axes}]`, async () => {
          const x = t(vals, shape);
          const r = ref(vals, shape);
          await check(ops.sum(x, axes), reduceRef(r, axes, (a, v) => a + v, 0));
          await check(ops.max(x, axes), reduceRef(r, axes, Math.max, -Infinity));
          await check(ops.min(x, axes), reduceRef(r, axes, Math.min, Infinity));
          const n = axes.reduce((p, a) => p * shape[a]!, 1);
          await check(ops.mean(x, axes), map1(reduceRef(r, axes, (a, v) => a + v, 0), (v) => v / n));
          x.dispose();
        });
      }
      it('keepDims, prod, int32 sums, size-0 axes, scalars', async () => {
        const x = t(vals, shape);
        const s = ops.sum(x, [1], { keepDims: true });
        expect(s.shape).toEqual([3, 1, 5]);
        s.dispose();
        const small = t([1, 2, 3, 4], [2, 2]);
        await check(ops.prod(small, [1]), ref([2, 12], [2]));
        const i = t([1, 2, 3, 4], [2, 2], 'int32');
        const si = ops.sum(i, [0]);
        expect(si.dtype).toBe('int32');
        expect(Array.from(await si.data())).toEqual([4, 6]);
        const e = t([], [2, 0]);
        await check(ops.sum(e, [1]), ref([0, 0], [2]));
        await check(ops.sum(e, [0]), ref([], [0]));
        expect(() => ops.max(e, [1])).toThrow(ShapeError);
        const sc = t([5], []);
        await check(ops.sum(sc), ref([5], []));
        for (const z of [x, small, i, si, e, sc]) z.dispose();
      });
      it('argmax/argmin take the first of ties', async () => {
        const v = [1, 3, 3, 0, -1, -1, 2, 2];
        const x = t(v, [2, 4]);
        for (const axis of [0, 1]) {
          const am = ops.argmax(x, axis);
          expect(am.dtype).toBe('int32');
          await check(am, argRef(ref(v, [2, 4]), axis, (a, b) => a > b));
          await check(ops.argmin(x, axis), argRef(ref(v, [2, 4]), axis, (a, b) => a < b));
        }
        x.dispose();
      });
    });

    describe('matmul', () => {
      const cases: [number[], number[], boolean, boolean][] = [
        [[3, 4], [4, 5], false, false],
        [[4, 3], [4, 5], true, false],
        [[3, 4], [5, 4], false, true],
        [[4, 3], [5, 4], true, true],
        [[1, 1], [1, 1], false, false],
        [[1, 7], [7, 1], false, false],
        [[2, 3, 4], [2, 4, 5], false, false],
        [[2, 3, 4], [4, 5], false, false],
        [[3, 4], [2, 4, 5], false, false],
        [[2, 1, 3, 4], [1, 3, 4, 2], false, false],
        [[2, 5, 4], [2, 6, 4], false, true],
        [[33, 65], [65, 17], false, false],
        [[70, 130], [130, 90], false, false],
        [[0, 4], [4, 3], false, false],
        [[3, 0], [0, 2], false, false],
      ];
      for (const [as, bs, ta, tb] of cases) {
        it(`[${as}]${ta ? 'ᵀ' : ''} · [${bs}]${tb ? 'ᵀ' : ''}`, async () => {
          const av = f32(values(as, 11));
          const bv = f32(values(bs, 12));
          const a = t(av, as);
          const b = t(bv, bs);
          await check(ops.matmul(a, b, { transA: ta, transB: tb }), matmulRef(ref(av, as), ref(bv, bs), ta, tb), { rtol: Math.max(tol.rtol, 1e-4), atol: 1e-5 });
          a.dispose();
          b.dispose();
        });
      }
      it('vector operands and inner-dimension errors', async () => {
        const m = t([1, 2, 3, 4, 5, 6], [2, 3]);
        const v = t([1, 0, -1], [3]);
        await check(ops.matmul(m, v), ref([-2, -2], [2]));
        const w = t([1, 1], [2]);
        await check(ops.matmul(w, m), ref([5, 7, 9], [3]));
        expect(() => ops.matmul(m, m)).toThrow(ShapeError);
        expect(() => ops.matmul(m, m)).toThrow(/inner dimensions/);
        for (const z of [m, v, w]) z.dispose();
      });
    });

    describe('movement', () => {
      it('transpose over every permutation of a 3-d tensor, and a large 2-d one', async () => {
        const shape = [2, 3, 4];
        const vals = f32(values(shape, 13));
        const x = t(vals, shape);
        for (const perm of [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]]) {
          await check(ops.transpose(x, perm), transposeRef(ref(vals, shape), perm));
        }
        const big = f32(values([37, 70], 14));
        const y = t(big, [37, 70]);
        await check(ops.transpose(y), transposeRef(ref(big, [37, 70]), [1, 0]));
        x.dispose();
        y.dispose();
      });
      it('slice, pad, concat, split, stack', async () => {
        const vals = Array.from({ length: 24 }, (_, i) => i);
        const x = t(vals, [2, 3, 4]);
        const sl = ops.slice(x, [1, 1, 1], [1, 2, 2]);
        expect(Array.from(await sl.data())).toEqual([17, 18, 21, 22]);
        sl.dispose();
        const p = ops.pad(t([1, 2, 3, 4], [2, 2]), [[1, 0], [0, 2]], 9);
        expect(Array.from(await p.data())).toEqual([9, 9, 9, 9, 1, 2, 9, 9, 3, 4, 9, 9]);
        p.dispose();
        const a = t([1, 2, 3, 4], [2, 2]);
        const b = t([5, 6], [2, 1]);
        const c = ops.concat([a, b], 1);
        expect(c.shape).toEqual([2, 3]);
        expect(Array.from(await c.data())).toEqual([1, 2, 5, 3, 4, 6]);
        const c0 = ops.concat([a, t([], [0, 2]), a], 0);
        expect(Array.from(await c0.data())).toEqual([1, 2, 3, 4, 1, 2, 3, 4]);
        const [s1, s2] = ops.split(c, [2, 1], 1);
        expect(Array.from(await s1!.data())).toEqual([1, 2, 3, 4]);
        expect(Array.from(await s2!.data())).toEqual([5, 6]);
        const st = ops.stack([a, a], 1);
        expect(st.shape).toEqual([2, 2, 2]);
        expect(Array.from(await st.data())).toEqual([1, 2, 1, 2, 3, 4, 3, 4]);
        const bi = t([1, 0, 1], [3], 'bool');
        const bc = ops.concat([bi, bi]);
        expect(Array.from(await bc.data())).toEqual([1, 0, 1, 1, 0, 1]);
        for (const z of [x, a, b, c, c0, s1!, s2!, st, bi, bc]) z.dispose();
        expect(() => ops.slice(t([1, 2], [2]), [1], [2])).toThrow(ShapeError);
        expect(() => ops.concat([t([1], [1, 1]), t([1, 2], [1, 2])], 0)).toThrow(/differ outside axis 0/);
      });
      it('reshape shares storage and validates sizes; broadcastTo repeats', async () => {
        const x = t([1, 2, 3, 4, 5, 6], [2, 3]);
        const r = ops.reshape(x, [3, -1]);
        expect(r.shape).toEqual([3, 2]);
        expect(() => ops.reshape(x, [4, 2])).toThrow(ShapeError);
        const bt = ops.broadcastTo(t([1, 2, 3], [3]), [2, 3]);
        expect(Array.from(await bt.data())).toEqual([1, 2, 3, 1, 2, 3]);
        for (const z of [x, r, bt]) z.dispose();
      });
    });

    describe('gather, scatterAdd, cast', () => {
      it('gather on each axis with a 2-d index tensor', async () => {
        const vals = Array.from({ length: 24 }, (_, i) => i * 0.5);
        const x = t(vals, [2, 3, 4]);
        const idx = t([2, 0, 1, 1], [2, 2], 'int32');
        for (const axis of [1, 2]) {
          const g = ops.gather(x, idx, axis);
          const expectedShape = axis === 1 ? [2, 2, 2, 4] : [2, 3, 2, 2];
          const exp: number[] = [];
          const iv = [2, 0, 1, 1];
          if (axis === 1) for (let a = 0; a < 2; a++) for (const j of iv) for (let c = 0; c < 4; c++) exp.push(vals[a * 12 + j * 4 + c]!);
          else for (let a = 0; a < 2; a++) for (let b = 0; b < 3; b++) for (const j of iv) exp.push(vals[a * 12 + b * 4 + j]!);
          await check(g, ref(exp, expectedShape));
        }
        const i0 = t([0, 1, 1], [3], 'int32');
        const g0 = ops.gather(x, i0, 0);
        expect(g0.shape).toEqual([3, 3, 4]);
        g0.dispose();
        for (const z of [x, idx, i0]) z.dispose();
      });
      it('scatterAdd accumulates repeated indices', async () => {
        const idx = t([0, 2, 0], [3], 'int32');
        const upd = t([1, 2, 3, 4, 5, 6], [3, 2]);
        await check(ops.scatterAdd(idx, upd, [4, 2], 0), ref([6, 8, 0, 0, 3, 4, 0, 0], [4, 2]));
        idx.dispose();
        upd.dispose();
      });
      it('cast between all dtypes', async () => {
        const x = t([-1.7, 0, 2.9], [3]);
        expect(Array.from(await ops.cast(x, 'int32').data())).toEqual([-1, 0, 2]);
        expect(Array.from(await ops.cast(x, 'bool').data())).toEqual([1, 0, 1]);
        const b = t([1, 0], [2], 'bool');
        expect(Array.from(await ops.cast(b, 'float32').data())).toEqual([1, 0]);
        x.dispose();
        b.dispose();
      });
      it('oneHot and embedding', async () => {
        const ids = t([2, 0], [2], 'int32');
        await check(ops.oneHot(ids, 3), ref([0, 0, 1, 1, 0, 0], [2, 3]));
        const w = t([1, 2, 3, 4, 5, 6], [3, 2]);
        await check(ops.embedding(w, ids), ref([5, 6, 1, 2], [2, 2]));
        ids.dispose();
        w.dispose();
      });
    });

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
        x.dispose();
      });
    });
  });
}
