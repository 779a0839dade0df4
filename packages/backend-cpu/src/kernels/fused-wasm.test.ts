import { ArgumentError } from '@heed/core';
import { afterAll, describe, expect, it } from 'vitest';
import { GemmEngine } from '../gemm/index.js';
import * as js from './fused.js';
import * as fast from './fused-wasm.js';

// The backend's fused kernels on the wasm row kernels agree with the JS kernels (float64
// arithmetic) they replace, and fall back to them without wasm.

function fill(size: number, scale: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = scale * ((s >>> 0) / 2147483648 - 1);
  }
  return out;
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const wasm = GemmEngine.create({ threads: 2 });
const noWasm = GemmEngine.create({ kernel: 'js' });
afterAll(() => {
  wasm.dispose();
  noWasm.dispose();
});

describe('fused kernels on wasm', () => {
  it('match the JS kernels on BERT-sized rows (128 × 768), split over the pool', () => {
    const cols = 768;
    const x = fill(128 * cols, 6, 11), g = fill(cols, 1, 12), b = fill(cols, 1, 13);
    expect(maxDiff(fast.softmax(wasm, x, cols), js.softmax(x, cols))).toBeLessThan(1e-7);
    expect(maxDiff(fast.logSoftmax(wasm, x, cols), js.logSoftmax(x, cols))).toBeLessThan(4e-6);
    expect(maxDiff(fast.layerNorm(wasm, x, g, b, cols, 1e-5), js.layerNorm(x, g, b, cols, 1e-5))).toBeLessThan(4e-6);
    expect(maxDiff(fast.gelu(wasm, x, 'none'), js.gelu(x, 'none'))).toBeLessThan(4e-6);
    expect(maxDiff(fast.gelu(wasm, x, 'tanh'), js.gelu(x, 'tanh'))).toBeLessThan(4e-6);
  });

  it('crossEntropy through the log-softmax row kernel, with ±1000 logits and a bad label', () => {
    const cols = 1000, rows = 40;
    const logits = fill(rows * cols, 20, 21);
    logits[5] = 1000;
    logits[cols + 7] = -1000;
    const labels = Int32Array.from({ length: rows }, (_, r) => (r * 37) % cols);
    labels[0] = 5;
    const got = fast.crossEntropy(wasm, logits, labels, cols);
    const want = js.crossEntropy(logits, labels, cols);
    for (let r = 0; r < rows; r++) expect(Math.abs(got[r]! - want[r]!)).toBeLessThanOrEqual(2e-6 + 1e-6 * Math.abs(want[r]!));
    labels[3] = cols;
    expect(() => fast.crossEntropy(wasm, logits, labels, cols)).toThrow(ArgumentError);
  });

  it('crossEntropy with ignored rows and label smoothing: wasm and JS agree, a bad label names the ignore index', () => {
    const cols = 300, rows = 24;
    const logits = fill(rows * cols, 8, 22);
    const labels = Int32Array.from({ length: rows }, (_, r) => (r % 5 === 0 ? -100 : (r * 41) % cols));
    for (const eps of [0, 0.1]) {
      const got = fast.crossEntropy(wasm, logits, labels, cols, -100, eps);
      const want = js.crossEntropy(logits, labels, cols, -100, eps);
      for (let r = 0; r < rows; r++) {
        if (r % 5 === 0) expect(got[r]).toBe(0);
        expect(Math.abs(got[r]! - want[r]!)).toBeLessThanOrEqual(2e-6 + 1e-6 * Math.abs(want[r]!));
      }
    }
    labels[2] = -1;
    expect(() => fast.crossEntropy(wasm, logits, labels, cols)).toThrow(/label -1 in row 2 .*ignore index -100/);
    // With -1 as the ignore index, row 2 drops out and -100 becomes the bad label.
    expect(() => js.crossEntropy(logits, labels, cols, -1)).toThrow(/label -100 in row 0 .*ignore index -1/);
    expect(js.crossEntropy(logits, labels.map((v) => (v === -100 ? 7 : v)), cols, -1)[2]).toBe(0);
  });

  it('crossEntropyBackward: wasm softmax rows and the JS pass agree; ignored rows and dy = 0 give zeros', () => {
    const cols = 257, rows = 12;
    const logits = fill(rows * cols, 6, 23);
    logits[3] = 900;
    const labels = Int32Array.from({ length: rows }, (_, r) => (r % 4 === 1 ? -100 : (r * 29) % cols));
    const dy = Float32Array.from({ length: rows }, (_, r) => (r === 6 ? 0 : 0.25 + r / 10));
    for (const eps of [0, 0.2]) {
      const got = fast.crossEntropyBackward(wasm, logits, labels, dy, cols, -100, eps);
      const want = js.crossEntropyBackward(logits, labels, dy, cols, -100, eps);
      expect(maxDiff(got, want)).toBeLessThan(1e-6);
      for (let r = 0; r < rows; r++) {
        let s = 0;
        for (let j = 0; j < cols; j++) s += want[r * cols + j]!;
        expect(Math.abs(s)).toBeLessThan(1e-5); // each row of p − target sums to 0
        if (r % 4 === 1 || r === 6) expect(want.subarray(r * cols, (r + 1) * cols).every((v) => v === 0)).toBe(true);
      }
    }
    labels[0] = cols;
    expect(() => fast.crossEntropyBackward(wasm, logits, labels, dy, cols)).toThrow(ArgumentError);
  });

  it('exp / sigmoid / tanh call-out for the elementwise float32 loops', () => {
    const x = fill(5000, 10, 31);
    expect(maxDiff(fast.unaryF32Wasm(wasm, 'sigmoid', x)!, Float32Array.from(x, (v) => 1 / (1 + Math.exp(-v))))).toBeLessThan(1e-6);
    expect(maxDiff(fast.unaryF32Wasm(wasm, 'tanh', x)!, Float32Array.from(x, Math.tanh))).toBeLessThan(1e-6);
    expect(fast.unaryF32Wasm(wasm, 'neg', x)).toBeUndefined();
    expect(fast.unaryF32Wasm(noWasm, 'exp', x)).toBeUndefined();
  });

  it('fall back to the JS kernels without wasm', () => {
    const x = fill(3 * 5, 3, 41), g = fill(5, 1, 42), b = fill(5, 1, 43);
    expect(fast.softmax(noWasm, x, 5)).toEqual(js.softmax(x, 5));
    expect(fast.logSoftmax(noWasm, x, 5)).toEqual(js.logSoftmax(x, 5));
    expect(fast.layerNorm(noWasm, x, g, b, 5, 1e-5)).toEqual(js.layerNorm(x, g, b, 5, 1e-5));
    expect(fast.gelu(noWasm, x, 'tanh')).toEqual(js.gelu(x, 'tanh'));
    expect(fast.crossEntropy(noWasm, x, Int32Array.of(0, 4, 2), 5)).toEqual(js.crossEntropy(x, Int32Array.of(0, 4, 2), 5));
  });
});
