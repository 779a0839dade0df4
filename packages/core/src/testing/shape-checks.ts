import { describe, expect, it } from 'vitest';
import { ShapeError } from '../errors.js';
import * as ops from '../ops/index.js';
import type { KitContext } from './conformance.js';
import { f32, values } from './data.js';
import { argRef, map1, matmulRef, reduceRef, ref, transposeRef } from './reference.js';

/** Registers the checks of reductions, matmul, movement, gather/scatter and casts. */
export function registerShapeChecks(ctx: KitContext): void {
  const { t, check, tol } = ctx;
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
}
