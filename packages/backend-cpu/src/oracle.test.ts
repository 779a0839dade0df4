/**
 * Oracle tests: backend-cpu's kernels against onnxruntime-node running one-op ONNX
 * graphs (an independent implementation), relative error ≤ 1e-5.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, Rng, ops, type Tensor } from '@heed/core';
import { f32, i32, runOnnxOp, toNumbers, type OracleTensor } from '@heed/onnx-oracle';
import { CpuBackend } from './cpu-backend.js';

let engine: Engine;
beforeAll(() => {
  engine = new Engine(new CpuBackend());
});
afterAll(() => engine.dispose());

function randoms(n: number, seed: number, scale = 1): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => rng.normal(0, scale));
}

function heed(values: Float32Array | Int32Array, shape: number[], dtype: 'float32' | 'int32' = 'float32'): Tensor {
  return ops.tensor(values, shape, dtype, { engine });
}

/**
 * Normwise relative error ‖actual − expected‖∞ / ‖expected‖∞ ≤ rtol: the usual measure for
 * float32 kernels, whose per-element rounding scales with the magnitude of the whole
 * computation (summation order in matmul, the libm each side uses for erf/tanh).
 */
async function expectClose(actual: Tensor, expected: OracleTensor, rtol = 1e-5): Promise<void> {
  expect(actual.shape).toEqual(expected.dims);
  const got = await actual.data();
  const want = toNumbers(expected);
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < want.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(got[i]! - want[i]!));
    maxRef = Math.max(maxRef, Math.abs(want[i]!));
  }
  expect(maxDiff / Math.max(maxRef, Number.MIN_VALUE)).toBeLessThanOrEqual(rtol);
  actual.dispose();
}

describe('backend-cpu vs onnxruntime-node', () => {
  for (const [m, k, n] of [
    [1, 1, 1],
    [7, 13, 5],
    [64, 64, 64],
    [128, 768, 96],
    [257, 129, 65],
  ] as const) {
    it(`MatMul ${m}×${k}·${k}×${n}`, async () => {
      const a = randoms(m * k, 1);
      const b = randoms(k * n, 2);
      const [y] = await runOnnxOp('MatMul', [f32([m, k], a), f32([k, n], b)]);
      await expectClose(ops.matmul(heed(a, [m, k]), heed(b, [k, n])), y!);
    });
  }

  it('batched MatMul with broadcast batch dimensions', async () => {
    const a = randoms(3 * 2 * 9 * 17, 3);
    const b = randoms(2 * 17 * 11, 4);
    const [y] = await runOnnxOp('MatMul', [f32([3, 2, 9, 17], a), f32([2, 17, 11], b)]);
    await expectClose(ops.matmul(heed(a, [3, 2, 9, 17]), heed(b, [2, 17, 11])), y!);
  });

  it('Softmax over the last axis, including large logits', async () => {
    const x = randoms(16 * 50, 5, 4);
    x[3] = 1000;
    x[60] = -1000;
    const [y] = await runOnnxOp('Softmax', [f32([16, 50], x)], { axis: -1 }, { opset: 13 });
    await expectClose(ops.softmax(heed(x, [16, 50])), y!);
  });

  it('LayerNormalization over the last axis', async () => {
    const x = randoms(32 * 768, 6, 3);
    const g = randoms(768, 7);
    const b = randoms(768, 8);
    const [y] = await runOnnxOp('LayerNormalization', [f32([32, 768], x), f32([768], g), f32([768], b)], { axis: -1, epsilon: 1e-5 }, { opset: 17 });
    await expectClose(ops.layerNorm(heed(x, [32, 768]), heed(g, [768]), heed(b, [768]), 1e-5), y!);
  });

  for (const approximate of ['none', 'tanh'] as const) {
    it(`Gelu (approximate=${approximate})`, async () => {
      const x = randoms(4000, 9, 3);
      const [y] = await runOnnxOp('Gelu', [f32([4000], x)], { approximate }, { opset: 20 });
      await expectClose(ops.gelu(heed(x, [4000]), approximate), y!);
    });
  }

  for (const axis of [0, 1]) {
    it(`Gather on axis ${axis}`, async () => {
      const x = randoms(30 * 12, 10);
      const idx = Int32Array.from([3, 0, 11, 3, 7, 1]);
      const [y] = await runOnnxOp('Gather', [f32([30, 12], x), i32([2, 3], idx)], { axis });
      await expectClose(ops.gather(heed(x, [30, 12]), heed(idx, [2, 3], 'int32'), axis), y!);
    });
  }
});
