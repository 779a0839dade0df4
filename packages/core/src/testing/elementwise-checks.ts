import { describe, expect, it } from 'vitest';
import type { BinaryOp, CompareOp, UnaryOp } from '../backend.js';
import { ShapeError } from '../errors.js';
import * as ops from '../ops/index.js';
import type { Tensor } from '../tensor.js';
import type { KitContext } from './conformance.js';
import { f32, values } from './data.js';
import { erfRef, map1, mapN, ref } from './reference.js';

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

/** Registers the elementwise checks: unary ops, binary ops with broadcasting, comparisons, where. */
export function registerElementwiseChecks(ctx: KitContext): void {
  const { t, check } = ctx;
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
}
