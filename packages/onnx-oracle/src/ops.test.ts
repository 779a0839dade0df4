import { describe, expect, it } from 'vitest';
import { bool, f32, i32, i64, runOnnxGraph, runOnnxOp, toNumbers, type OracleTensor } from './index.js';

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

function expectClose(actual: OracleTensor, dims: number[], expected: number[], digits = 5): void {
  expect(actual.dims).toEqual(dims);
  const got = toNumbers(actual);
  expect(got).toHaveLength(expected.length);
  got.forEach((v, i) => expect(v, `element ${i}`).toBeCloseTo(expected[i]!, digits));
}

describe('runOnnxOp', () => {
  it('MatMul of small known matrices gives the known product', async () => {
    const a = f32([2, 3], [1, 2, 3, 4, 5, 6]);
    const b = f32([3, 2], [7, 8, 9, 10, 11, 12]);
    const [y] = await runOnnxOp('MatMul', [a, b]);
    expect(y!.dtype).toBe('float32');
    expect(y!.dims).toEqual([2, 2]);
    expect(toNumbers(y!)).toEqual([58, 64, 139, 154]);
    // Batched with broadcasting: [2,1,2] x [2,1] -> [2,1,1]
    const [z] = await runOnnxOp('MatMul', [f32([2, 1, 2], [1, 2, 3, 4]), f32([2, 1], [10, 1])]);
    expect(z!.dims).toEqual([2, 1, 1]);
    expect(toNumbers(z!)).toEqual([12, 34]);
  });

  it('Softmax rows sum to 1 and match a hand-computed case', async () => {
    const [y] = await runOnnxOp('Softmax', [f32([3, 3], [1, 2, 3, 0, 0, 0, 1000, 1000, 0])], { axis: -1 });
    const e = [Math.exp(1), Math.exp(2), Math.exp(3)];
    const s = e[0]! + e[1]! + e[2]!;
    expectClose(y!, [3, 3], [e[0]! / s, e[1]! / s, e[2]! / s, 1 / 3, 1 / 3, 1 / 3, 0.5, 0.5, 0], 6);
    expect(toNumbers(y!).slice(0, 3)).toEqual([expect.closeTo(0.09003057, 6), expect.closeTo(0.24472847, 6), expect.closeTo(0.66524096, 6)]);
    for (let r = 0; r < 3; r++) {
      const row = toNumbers(y!).slice(r * 3, r * 3 + 3);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    }
  });

  it('LSTM (opset 14), 1 step, hidden 1: Y, Y_h, Y_c match the hand-derived cell', async () => {
    // Gate order in ONNX is i, o, f, c. input_size = hidden = batch = 1.
    const x = 1.5, h0 = 0.5, c0 = -0.3;
    const W = [0.5, 0.6, 0.7, 0.8], R = [0.1, -0.2, 0.3, 0.4];
    const Wb = [0.1, 0.2, 0.3, 0.4], Rb = [0.05, 0, -0.05, 0.1];
    const pre = (g: number): number => W[g]! * x + R[g]! * h0 + Wb[g]! + Rb[g]!;
    const i = sigmoid(pre(0)), o = sigmoid(pre(1)), f = sigmoid(pre(2)), cHat = Math.tanh(pre(3));
    const c = f * c0 + i * cHat;
    const h = o * Math.tanh(c);
    const outs = await runOnnxOp(
      'LSTM',
      [f32([1, 1, 1], [x]), f32([1, 4, 1], W), f32([1, 4, 1], R), f32([1, 8], [...Wb, ...Rb]), null, f32([1, 1, 1], [h0]), f32([1, 1, 1], [c0])],
      { hidden_size: 1 },
      { opset: 14, numOutputs: 3 },
    );
    expect(outs).toHaveLength(3);
    expectClose(outs[0]!, [1, 1, 1, 1], [h], 6);
    expectClose(outs[1]!, [1, 1, 1], [h], 6);
    expectClose(outs[2]!, [1, 1, 1], [c], 6);
    // The hand computation itself, pinned: pre-activations 0.95, 1.0, 1.45, 1.9;
    // c = σ(1.45)·(-0.3) + σ(0.95)·tanh(1.9) ≈ 0.44654, h = σ(1)·tanh(c) ≈ 0.30636.
    expect(c).toBeCloseTo(0.44654, 4);
    expect(h).toBeCloseTo(0.30636, 4);
  });

  it('LSTM bidirectional shapes: Y [seq, 2, batch, hidden], Y_h and Y_c [2, batch, hidden]', async () => {
    const seq = 3, batch = 2, input = 4, hidden = 5;
    const ramp = (n: number, s: number): number[] => Array.from({ length: n }, (_, k) => Math.sin(k * s) * 0.5);
    const outs = await runOnnxOp(
      'LSTM',
      [f32([seq, batch, input], ramp(seq * batch * input, 0.7)), f32([2, 4 * hidden, input], ramp(2 * 4 * hidden * input, 0.3)), f32([2, 4 * hidden, hidden], ramp(2 * 4 * hidden * hidden, 0.11))],
      { hidden_size: hidden, direction: 'bidirectional' },
      { opset: 14, numOutputs: 3 },
    );
    expect(outs.map((t) => t.dims)).toEqual([[seq, 2, batch, hidden], [2, batch, hidden], [2, batch, hidden]]);
    const y = toNumbers(outs[0]!), yh = toNumbers(outs[1]!);
    // Y_h forward = Y at the last step; Y_h backward = Y at the first step.
    expect(yh.slice(0, batch * hidden)).toEqual(y.slice((seq - 1) * 2 * batch * hidden, (seq - 1) * 2 * batch * hidden + batch * hidden));
    expect(yh.slice(batch * hidden)).toEqual(y.slice(batch * hidden, 2 * batch * hidden));
    expect(y.every((v) => Math.abs(v) < 1)).toBe(true);
  });

  it('Gather with int64 and int32 indices, negative indices, axis 1', async () => {
    const data = f32([3, 2], [1, 2, 3, 4, 5, 6]);
    const [a] = await runOnnxOp('Gather', [data, i64([2, 2], [0, 1, 1, 2])]);
    expect(a!.dims).toEqual([2, 2, 2]);
    expect(toNumbers(a!)).toEqual([1, 2, 3, 4, 3, 4, 5, 6]);
    const [b] = await runOnnxOp('Gather', [data, i32([2], [-1, 0])], { axis: 0 });
    expect(toNumbers(b!)).toEqual([5, 6, 1, 2]);
    const [c] = await runOnnxOp('Gather', [data, i64([1], [1])], { axis: 1 });
    expect(c!.dims).toEqual([3, 1]);
    expect(toNumbers(c!)).toEqual([2, 4, 6]);
  });

  it('LayerNormalization (opset 17) with Mean and InvStdDev outputs', async () => {
    const x = [1, 2, 3, 2, 4, 6], scale = [1, 2, 0.5], bias = [0, 1, -1], eps = 1e-5;
    const expected: number[] = [], means: number[] = [], inv: number[] = [];
    for (let r = 0; r < 2; r++) {
      const row = x.slice(r * 3, r * 3 + 3);
      const mean = row.reduce((a, b) => a + b, 0) / 3;
      const variance = row.reduce((a, b) => a + (b - mean) ** 2, 0) / 3;
      const is = 1 / Math.sqrt(variance + eps);
      means.push(mean);
      inv.push(is);
      row.forEach((v, k) => expected.push((v - mean) * is * scale[k]! + bias[k]!));
    }
    const [y, mean, invStd] = await runOnnxOp('LayerNormalization', [f32([2, 3], x), f32([3], scale), f32([3], bias)], { axis: -1, epsilon: eps }, { numOutputs: 3 });
    expectClose(y!, [2, 3], expected, 5);
    expectClose(mean!, [2, 1], means, 6);
    expectClose(invStd!, [2, 1], inv, 4);
    expect(toNumbers(y!).slice(0, 3)).toEqual([expect.closeTo(-1.2247, 3), expect.closeTo(1, 4), expect.closeTo(-0.3876, 3)]);
  });

  it('Gelu (opset 20), exact and tanh approximation', async () => {
    const xs = [-1, 0, 0.5, 1, 2];
    // x * Phi(x) with Phi from tables: Phi(0.5) = 0.691462461, Phi(1) = 0.841344746, Phi(2) = 0.977249868.
    const exact = [-(1 - 0.841344746), 0, 0.5 * 0.691462461, 0.841344746, 2 * 0.977249868];
    const [y] = await runOnnxOp('Gelu', [f32([5], xs)], {}, { opset: 20 });
    expectClose(y!, [5], exact, 6);
    const k = Math.sqrt(2 / Math.PI);
    const approx = xs.map((v) => 0.5 * v * (1 + Math.tanh(k * (v + 0.044715 * v ** 3))));
    const [t] = await runOnnxOp('Gelu', [f32([5], xs)], { approximate: 'tanh' }, { opset: 20 });
    expectClose(t!, [5], approx, 6);
  });

  it('int64 and bool outputs come back typed', async () => {
    const [arg] = await runOnnxOp('ArgMax', [f32([2, 3], [1, 9, 3, 7, 5, 6])], { axis: 1, keepdims: 0 });
    expect(arg!.dtype).toBe('int64');
    expect(arg!.data).toEqual(BigInt64Array.from([1n, 0n]));
    const [eq] = await runOnnxOp('Equal', [i32([3], [1, 2, 3]), i32([3], [1, 0, 3])]);
    expect(eq!.dtype).toBe('bool');
    expect(Array.from(eq!.data as Uint8Array)).toEqual([1, 0, 1]);
    const [w] = await runOnnxOp('Where', [bool([3], [true, false, true]), f32([3], [1, 2, 3]), f32([], [0])]);
    expect(toNumbers(w!)).toEqual([1, 0, 3]);
  });

  it('constant inputs go in as initializers', async () => {
    const [y] = await runOnnxOp('Reshape', [f32([2, 3], [1, 2, 3, 4, 5, 6]), i64([2], [3, -1])], {}, { constantInputs: [1] });
    expect(y!.dims).toEqual([3, 2]);
  });
});

describe('runOnnxGraph', () => {
  it('Gelu composed from Erf on opset 13 equals the opset-20 Gelu op', async () => {
    const xs = f32([6], [-3, -1, -0.25, 0.3, 1, 2.5]);
    const [composite] = await runOnnxGraph({
      opset: 13,
      inputs: { x: xs },
      initializers: { sqrt2: f32([], [Math.SQRT2]), one: f32([], [1]), half: f32([], [0.5]) },
      nodes: [
        { opType: 'Div', inputs: ['x', 'sqrt2'], outputs: ['xs'] },
        { opType: 'Erf', inputs: ['xs'], outputs: ['e'] },
        { opType: 'Add', inputs: ['e', 'one'], outputs: ['e1'] },
        { opType: 'Mul', inputs: ['x', 'e1'], outputs: ['xe'] },
        { opType: 'Mul', inputs: ['xe', 'half'], outputs: ['y'] },
      ],
      outputs: ['y'],
    });
    const [op] = await runOnnxOp('Gelu', [xs], {}, { opset: 20 });
    expectClose(composite!, [6], toNumbers(op!), 6);
  });

  it('returns several outputs, including intermediates, in the requested order', async () => {
    const outs = await runOnnxGraph({
      inputs: { a: f32([2], [1, 2]), b: f32([2], [3, 4]) },
      nodes: [
        { opType: 'Add', inputs: ['a', 'b'], outputs: ['s'] },
        { opType: 'Mul', inputs: ['s', 'a'], outputs: ['p'] },
      ],
      outputs: ['p', 's'],
    });
    expect(outs.map(toNumbers)).toEqual([[4, 12], [4, 6]]);
  });

  it('reports onnxruntime errors and bad tensors', async () => {
    await expect(runOnnxOp('NoSuchOp', [f32([1], [1])])).rejects.toThrow(/NoSuchOp/);
    await expect(runOnnxOp('Relu', [{ dtype: 'float32', dims: [2], data: new Int32Array(2) }])).rejects.toThrow(/float32 needs a Float32Array/);
    await expect(runOnnxOp('Relu', [f32([3], [1, 2])])).rejects.toThrow(/dims \[3\] have 3 elements but data has 2/);
  });
});
