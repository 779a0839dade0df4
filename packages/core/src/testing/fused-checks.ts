import { describe, expect, it } from 'vitest';
import * as ops from '../ops/index.js';
import type { KitContext } from './conformance.js';
import type * as refs from './reference.js';
import type * as data from './data.js';

type Helpers = Pick<typeof refs, 'rowsRef' | 'lseRef' | 'erfRef' | 'ref'> & Pick<typeof data, 'values' | 'f32'>;

const sig = (v: number): number => 1 / (1 + Math.exp(-v));

/** Float64 reference attention for [b, h, tq, d] inputs. */
function attentionRef(q: number[], k: number[], v: number[], [b, h, tq, d]: number[], tk: number, dv: number, allowed: (bi: number, hi: number, i: number, j: number) => boolean): number[] {
  const out: number[] = [];
  const scale = 1 / Math.sqrt(d!);
  for (let bi = 0; bi < b!; bi++)
    for (let hi = 0; hi < h!; hi++)
      for (let i = 0; i < tq!; i++) {
        const s: number[] = [];
        for (let j = 0; j < tk; j++) {
          let dot = 0;
          for (let c = 0; c < d!; c++) dot += q[((bi * h! + hi) * tq! + i) * d! + c]! * k[((bi * h! + hi) * tk + j) * d! + c]!;
          s.push(allowed(bi, hi, i, j) ? dot * scale : -Infinity);
        }
        const m = Math.max(...s);
        const e = s.map((x) => (m === -Infinity ? 0 : Math.exp(x - m)));
        const z = e.reduce((a, x) => a + x, 0);
        for (let c = 0; c < dv; c++) {
          let acc = 0;
          for (let j = 0; j < tk; j++) acc += (z === 0 ? 0 : e[j]! / z) * v[((bi * h! + hi) * tk + j) * dv + c]!;
          out.push(acc);
        }
      }
  return out;
}

/** Registers checks of the fused ops (through the public ops, so a backend without a fused kernel tests core's composite). */
export function registerFusedChecks(ctx: KitContext, h: Helpers): void {
  const { t, check } = ctx;
  const { rowsRef, lseRef, erfRef, ref, values, f32 } = h;

  describe('fused ops', () => {
    it('softmax and logSoftmax, including large and -Infinity logits', async () => {
      const vals = f32([...values([3, 6], 21, -3, 3), 1000, 1001, 999, 1000, 998, 1002, -1000, -1001, -999, -1000, -998, -1002, 0, -Infinity, 1, 2, -Infinity, 3]);
      const shape = [6, 6];
      const x = t(vals, shape);
      await check(ops.softmax(x), rowsRef(ref(vals, shape), (r) => r.map((v) => Math.exp(v - lseRef(r)))));
      await check(ops.logSoftmax(x), rowsRef(ref(vals, shape), (r) => r.map((v) => v - lseRef(r))));
      const a0 = ops.softmax(x, 0);
      const colRef = rowsRef(ref(Array.from(transpose2(vals, 6, 6)), shape), (r) => r.map((v) => Math.exp(v - lseRef(r))));
      await check(a0, ref(transpose2(Array.from(colRef.data), 6, 6), shape));
      x.dispose();
    });

    it('layerNorm over the last axis', async () => {
      const shape = [4, 10];
      const vals = f32(values(shape, 22, -3, 5));
      const g = f32(values([10], 23, 0.5, 1.5));
      const b = f32(values([10], 24, -1, 1));
      const x = t(vals, shape);
      const gt = t(g, [10]);
      const bt = t(b, [10]);
      await check(
        ops.layerNorm(x, gt, bt, 1e-5),
        rowsRef(ref(vals, shape), (r) => {
          const mu = r.reduce((a, v) => a + v, 0) / r.length;
          const va = r.reduce((a, v) => a + (v - mu) ** 2, 0) / r.length;
          return r.map((v, j) => ((v - mu) / Math.sqrt(va + 1e-5)) * g[j]! + b[j]!);
        }),
        { atol: 1e-5 },
      );
      for (const z of [x, gt, bt]) z.dispose();
    });

    it('gelu, exact and tanh', async () => {
      const vals = f32(values([50], 25, -6, 6));
      const x = t(vals, [50]);
      await check(ops.gelu(x), ref(vals.map((v) => 0.5 * v * (1 + erfRef(v / Math.SQRT2))), [50]), { atol: 1e-6 });
      const c = Math.sqrt(2 / Math.PI);
      await check(ops.gelu(x, 'tanh'), ref(vals.map((v) => 0.5 * v * (1 + Math.tanh(c * (v + 0.044715 * v ** 3)))), [50]), { atol: 1e-6 });
      x.dispose();
    });

    it('crossEntropy per row, mean and sum, with large logits', async () => {
      const vals = f32([...values([3, 5], 26, -4, 4), 500, -500, 0, 1000, 2]);
      const labels = [4, 0, 2, 3];
      const x = t(vals, [4, 5]);
      const l = t(labels, [4], 'int32');
      const rows = [0, 1, 2, 3].map((r) => vals.slice(r * 5, r * 5 + 5));
      const per = rows.map((r, i) => lseRef(r) - r[labels[i]!]!);
      await check(ops.crossEntropy(x, l, { reduction: 'none' }), ref(per, [4]), { atol: 1e-4 });
      await check(ops.crossEntropy(x, l), ref([per.reduce((a, v) => a + v, 0) / 4], []), { atol: 1e-4 });
      await check(ops.crossEntropy(x, l, { reduction: 'sum' }), ref([per.reduce((a, v) => a + v, 0)], []), { atol: 1e-3 });
      x.dispose();
      l.dispose();
    });

    it('crossEntropy with ignored rows and label smoothing (PyTorch definition)', async () => {
      const [n, c] = [6, 5];
      const vals = f32([...values([5, 5], 61, -3, 3), 1000, -500, 0, 2, 500]);
      const labels = [2, -100, 0, 4, -100, 1];
      const x = t(vals, [n, c]);
      const l = t(labels, [n], 'int32');
      const rowRef = (r: number, y: number, eps: number): number => {
        const row = vals.slice(r * c, r * c + c);
        const lse = lseRef(row);
        const meanX = row.reduce((a, v) => a + v, 0) / c;
        return (1 - eps) * (lse - row[y]!) + eps * (lse - meanX);
      };
      for (const eps of [0, 0.1, 0.9]) {
        const per = labels.map((y, r) => (y === -100 ? 0 : rowRef(r, y, eps)));
        const total = per.reduce((a, v) => a + v, 0);
        await check(ops.crossEntropy(x, l, { reduction: 'none', labelSmoothing: eps }), ref(per, [n]), { atol: 1e-4, rtol: 1e-5 });
        await check(ops.crossEntropy(x, l, { labelSmoothing: eps }), ref([total / 4], []), { atol: 1e-4, rtol: 1e-5 });
        await check(ops.crossEntropy(x, l, { reduction: 'sum', labelSmoothing: eps }), ref([total], []), { atol: 1e-3, rtol: 1e-5 });
      }
      // An ignore index inside the class range (a padding id): rows labelled 0 drop out.
      const l0 = t(labels.map((y) => (y === -100 ? 0 : y)), [n], 'int32');
      const kept = labels.map((y, r) => (y === 0 || y === -100 ? 0 : rowRef(r, y, 0)));
      await check(ops.crossEntropy(x, l0, { ignoreIndex: 0, reduction: 'none' }), ref(kept, [n]), { atol: 1e-4, rtol: 1e-5 });
      await check(ops.crossEntropy(x, l0, { ignoreIndex: 0 }), ref([kept.reduce((a, v) => a + v, 0) / 3], []), { atol: 1e-4, rtol: 1e-5 });
      // Every row ignored: the mean is 0, not NaN.
      const none = t([-100, -100, -100, -100, -100, -100], [n], 'int32');
      await check(ops.crossEntropy(x, none, { labelSmoothing: 0.1 }), ref([0], []), { atol: 0 });
      // A label out of range that is not the ignore index: a typed error where the backend reads synchronously.
      const bad = t([2, -100, 0, 5, -100, 1], [n], 'int32');
      if (ctx.engine().backend.readSync) {
        expect(() => ops.crossEntropy(x, bad)).toThrow(/label 5 in row 3 is out of range \[0, 5\) and is not the ignore index -100/);
      }
      for (const z of [x, l, l0, none, bad]) z.dispose();
    });

    it('scaledDotProductAttention: plain, key-padding mask, causal, fully masked row', async () => {
      const [b, hh, tq, tk, d, dv] = [2, 2, 3, 4, 5, 3];
      const q = f32(values([b, hh, tq, d], 27));
      const k = f32(values([b, hh, tk, d], 28));
      const v = f32(values([b, hh, tk, dv], 29));
      const qt = t(q, [b, hh, tq, d]);
      const kt = t(k, [b, hh, tk, d]);
      const vt = t(v, [b, hh, tk, dv]);
      const shape = [b, hh, tq, dv];
      const dims = [b, hh, tq, d];
      await check(ops.scaledDotProductAttention(qt, kt, vt), ref(attentionRef(q, k, v, dims, tk, dv, () => true), shape), { atol: 1e-5 });
      // Key padding: batch 0 sees 4 keys, batch 1 only the first 2.
      const lens = [4, 2];
      const maskVals = [0, 1].flatMap((bi) => [0, 1, 2, 3].map((j) => (j < lens[bi]! ? 1 : 0)));
      const mask = t(maskVals, [b, 1, 1, tk], 'bool');
      await check(ops.scaledDotProductAttention(qt, kt, vt, { mask }), ref(attentionRef(q, k, v, dims, tk, dv, (bi, _h, _i, j) => j < lens[bi]!), shape), { atol: 1e-5 });
      await check(ops.scaledDotProductAttention(qt, kt, vt, { causal: true }), ref(attentionRef(q, k, v, dims, tk, dv, (_b, _h, i, j) => j <= i + tk - tq), shape), { atol: 1e-5 });
      // Query row 1 of every head masked out completely: its output must be zeros.
      const rowMask = t(Array.from({ length: tq * tk }, (_, i) => (Math.floor(i / tk) === 1 ? 0 : 1)), [tq, tk], 'bool');
      await check(ops.scaledDotProductAttention(qt, kt, vt, { mask: rowMask }), ref(attentionRef(q, k, v, dims, tk, dv, (_b, _h, i) => i !== 1), shape), { atol: 1e-5 });
      for (const z of [qt, kt, vt, mask, rowMask]) z.dispose();
    });

    it('lstmCell and gruCell against the gate equations', async () => {
      const [batch, input, hidden] = [3, 4, 5];
      const x = f32(values([batch, input], 30));
      const hv = f32(values([batch, hidden], 31));
      const cv = f32(values([batch, hidden], 32));
      const w4 = f32(values([input, 4 * hidden], 33, -0.5, 0.5));
      const r4 = f32(values([hidden, 4 * hidden], 34, -0.5, 0.5));
      const b4 = f32(values([4 * hidden], 35, -0.5, 0.5));
      const proj = (xs: number[], w: number[], rows: number, inner: number, cols: number): number[] =>
        Array.from({ length: rows * cols }, (_, i) => {
          const r = Math.floor(i / cols);
          const c = i % cols;
          let s = 0;
          for (let p = 0; p < inner; p++) s += xs[r * inner + p]! * w[p * cols + c]!;
          return s;
        });
      const gx = proj(x, w4, batch, input, 4 * hidden);
      const gh = proj(hv, r4, batch, hidden, 4 * hidden);
      const hExp: number[] = [];
      const cExp: number[] = [];
      for (let bi = 0; bi < batch; bi++)
        for (let j = 0; j < hidden; j++) {
          const gate = (q: number): number => gx[bi * 4 * hidden + q * hidden + j]! + gh[bi * 4 * hidden + q * hidden + j]! + b4[q * hidden + j]!;
          const c2 = sig(gate(1)) * cv[bi * hidden + j]! + sig(gate(0)) * Math.tanh(gate(2));
          cExp.push(c2);
          hExp.push(sig(gate(3)) * Math.tanh(c2));
        }
      const T = [t(x, [batch, input]), t(hv, [batch, hidden]), t(cv, [batch, hidden]), t(w4, [input, 4 * hidden]), t(r4, [hidden, 4 * hidden]), t(b4, [4 * hidden])] as const;
      const [h2, c2] = ops.lstmCell(...T);
      await check(h2, ref(hExp, [batch, hidden]), { atol: 1e-5 });
      await check(c2, ref(cExp, [batch, hidden]), { atol: 1e-5 });

      const w3 = w4.slice(0, input * 3 * hidden);
      const r3 = r4.slice(0, hidden * 3 * hidden);
      const bw = b4.slice(0, 3 * hidden);
      const br = b4.slice(hidden, 4 * hidden);
      const gx3 = proj(x, w3, batch, input, 3 * hidden);
      const gh3 = proj(hv, r3, batch, hidden, 3 * hidden);
      const gExp: number[] = [];
      for (let bi = 0; bi < batch; bi++)
        for (let j = 0; j < hidden; j++) {
          const X = (q: number): number => gx3[bi * 3 * hidden + q * hidden + j]! + bw[q * hidden + j]!;
          const H = (q: number): number => gh3[bi * 3 * hidden + q * hidden + j]! + br[q * hidden + j]!;
          const z = sig(X(0) + H(0));
          const r = sig(X(1) + H(1));
          const n = Math.tanh(X(2) + r * H(2));
          gExp.push((1 - z) * n + z * hv[bi * hidden + j]!);
        }
      const G = [t(w3, [input, 3 * hidden]), t(r3, [hidden, 3 * hidden]), t(bw, [3 * hidden]), t(br, [3 * hidden])] as const;
      await check(ops.gruCell(T[0], T[1], ...G), ref(gExp, [batch, hidden]), { atol: 1e-5 });
      for (const z of [...T, ...G]) z.dispose();
    });
  });
}

function transpose2(v: number[], rows: number, cols: number): number[] {
  const out = new Array<number>(v.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = v[r * cols + c]!;
  return out;
}
