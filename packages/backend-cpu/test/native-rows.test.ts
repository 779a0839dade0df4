/**
 * The addon's SIMD row kernels (softmax, layer norm, GELU and its gradient) against float64
 * references, on widths around the 16-lane vectors (1, 15, 16, 17, 33), zero rows, masked
 * (−∞) entries, fully masked rows and saturated arguments. Skipped checks are not possible
 * here: without the addon the test asserts that the backend reports no native kernels.
 */
import { describe, expect, it } from 'vitest';
import { loadNativeGemm, nativeKernels } from '../src/native/index.js';
import { adamStep as adamStepJs } from '../src/kernels/fused.js';

const gemm = loadNativeGemm();
const WIDTHS = [1, 15, 16, 17, 33];
const rand = (n: number, seed: number, scale = 1): Float32Array => {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: n }, () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) / 4294967296 - 0.5) * 2 * scale;
  });
};

const erf = (x: number): number => {
  // float64 erf by its series / continued fraction split (reference only)
  const t = 1 / (1 + 0.5 * Math.abs(x));
  const y = 1 - t * Math.exp(-x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? y : -y;
};
const phi = (x: number): number => 0.5 * (1 + erf(x / Math.SQRT2));

describe('native row kernels', () => {
  it('exist exactly when the addon loads', () => {
    expect(gemm === undefined).toBe(nativeKernels().length === 0);
  });
  if (!gemm) return;

  for (const cols of WIDTHS) {
    it(`softmaxRows, ${cols} columns, with masked entries and a fully masked row`, () => {
      const rows = 4;
      const x = rand(rows * cols, cols, 6);
      for (let j = 0; j < cols; j++) x[j] = -Infinity; // row 0 fully masked
      if (cols > 2) x[cols + 1] = -Infinity;
      const ref = Array.from({ length: rows }, (_, r) => {
        const row = Array.from(x.subarray(r * cols, (r + 1) * cols), (v) => v * 0.7);
        const m = Math.max(...row);
        if (m === -Infinity) return row.map(() => 0);
        const e = row.map((v) => Math.exp(v - m));
        const s = e.reduce((a, b) => a + b, 0);
        return e.map((v) => v / s);
      }).flat();
      gemm.softmaxRows!(x, rows, cols, 0.7);
      ref.forEach((v, i) => expect(Math.abs(x[i]! - v)).toBeLessThanOrEqual(2e-7 + 1e-6 * v));
    });

    it(`layerNormRows, ${cols} columns`, () => {
      const rows = 3;
      const x = rand(rows * cols, 7 + cols, 3);
      const g = rand(cols, 8, 1);
      const b = rand(cols, 9, 1);
      const out = new Float32Array(rows * cols);
      gemm.layerNormRows!(x, g, b, out, rows, cols, 1e-5);
      for (let r = 0; r < rows; r++) {
        const row = Array.from(x.subarray(r * cols, (r + 1) * cols));
        const mean = row.reduce((a, v) => a + v, 0) / cols;
        const rstd = 1 / Math.sqrt(row.reduce((a, v) => a + (v - mean) ** 2, 0) / cols + 1e-5);
        row.forEach((v, j) => expect(Math.abs(out[r * cols + j]! - ((v - mean) * rstd * g[j]! + b[j]!))).toBeLessThanOrEqual(2e-5));
      }
    });

    it(`gelu and its gradient, ${cols} elements, both forms`, () => {
      const x = rand(cols, 11 + cols, 6);
      x[0] = -40;
      if (cols > 1) x[cols - 1] = 40;
      const dy = rand(cols, 12, 1);
      const y = new Float32Array(cols);
      const dx = new Float32Array(cols);
      gemm.gelu!(x, y, 'none');
      gemm.geluBackward!(x, dy, dx, 'none');
      x.forEach((v, i) => {
        expect(Math.abs(y[i]! - v * phi(v))).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(v)));
        const d = phi(v) + (v * Math.exp(-0.5 * v * v)) / Math.sqrt(2 * Math.PI);
        expect(Math.abs(dx[i]! - dy[i]! * d)).toBeLessThanOrEqual(1e-6);
      });
      gemm.gelu!(x, y, 'tanh');
      gemm.geluBackward!(x, dy, dx, 'tanh');
      const k = Math.sqrt(2 / Math.PI);
      x.forEach((v, i) => {
        const t = Math.tanh(k * (v + 0.044715 * v ** 3));
        expect(Math.abs(y[i]! - 0.5 * v * (1 + t))).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(v)));
        const d = 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * k * (1 + 3 * 0.044715 * v * v);
        expect(Math.abs(dx[i]! - dy[i]! * d)).toBeLessThanOrEqual(1e-6);
      });
    });
  }

  for (const n of [0, 1, 15, 17, 100]) {
    it(`adamStep on ${n} elements equals the JS kernel to float32 rounding (fresh outputs and in place, AdamW)`, () => {
      const p = rand(n, 21), g = rand(n, 22), m = rand(n, 23, 0.1), v = rand(n, 24, 0.1).map(Math.abs);
      const h = { lr: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, c1: 1 - 0.9 ** 3, c2: 1 - 0.999 ** 3, weightDecay: 0.01 };
      const want = adamStepJs(p, g, m, v, h);
      const out: [Float32Array, Float32Array, Float32Array] = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
      gemm.adamStep!(p, g, m, v, out, h);
      // Both compute in double; fused multiply-adds may move a result by one float32 rounding step.
      const close = (o: Float32Array, w: Float32Array): void => o.forEach((x, j) => expect(Math.abs(x - w[j]!)).toBeLessThanOrEqual(1.2e-7 * Math.abs(w[j]!) + 1e-30));
      out.forEach((o, i) => close(o, want[i]!));
      const [pi, mi, vi] = [p.slice(), m.slice(), v.slice()];
      gemm.adamStep!(pi, g, mi, vi, [pi, mi, vi], h);
      [pi, mi, vi].forEach((o, i) => close(o, want[i]!));
    });
  }

  for (const [batch, rows, cols] of [[1, 1, 1], [2, 3, 5], [1, 33, 70], [3, 64, 1], [0, 4, 4]] as const) {
    it(`transpose2d of ${batch} × [${rows}, ${cols}]`, () => {
      const x = rand(batch * rows * cols, 31);
      const out = new Float32Array(x.length);
      gemm.transpose2d!(x, out, batch, rows, cols);
      for (let b = 0; b < batch; b++) for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) expect(out[b * rows * cols + c * rows + r]).toBe(x[b * rows * cols + r * cols + c]);
    });
  }

  for (const [rows, cols] of [[1, 1], [0, 5], [7, 17], [300, 33]] as const) {
    it(`sumRows of [${rows}, ${cols}]`, () => {
      const x = rand(rows * cols, 41, 3);
      const out = new Float32Array(cols).fill(7);
      gemm.sumRows!(x, out, rows, cols);
      for (let j = 0; j < cols; j++) {
        let s = 0;
        for (let r = 0; r < rows; r++) s += x[r * cols + j]!;
        expect(Math.abs(out[j]! - s)).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(s)));
      }
    });
  }

  it('zero rows and zero-length inputs are no-ops; short arrays are RangeErrors', () => {
    gemm.softmaxRows!(new Float32Array(0), 0, 5, 1);
    gemm.layerNormRows!(new Float32Array(0), new Float32Array(5), new Float32Array(5), new Float32Array(0), 0, 5, 1e-5);
    gemm.gelu!(new Float32Array(0), new Float32Array(0), 'none');
    expect(() => gemm.softmaxRows!(new Float32Array(9), 2, 5, 1)).toThrow(RangeError);
    expect(() => gemm.layerNormRows!(new Float32Array(10), new Float32Array(4), new Float32Array(5), new Float32Array(10), 2, 5, 1e-5)).toThrow(RangeError);
    expect(() => gemm.geluBackward!(new Float32Array(4), new Float32Array(3), new Float32Array(4), 'none')).toThrow(RangeError);
    expect(() => gemm.transpose2d!(new Float32Array(6), new Float32Array(5), 1, 2, 3)).toThrow(RangeError);
  });
});
