/** The training loss: cross-entropy with an ignore index and label smoothing against hand-computed values. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArgumentError, crossEntropy, tensor, valueAndGradsOf, type Heed } from '@heed/core';
import { testHeed } from './helpers.js';

let heed: Heed;
beforeAll(async () => {
  heed = await testHeed('cpu');
});
afterAll(() => heed.dispose());

// Logits log 1, log 2, log 5: softmax is exactly (1, 2, 5)/8.
const row = [0, Math.log(2), Math.log(5)];
const p = [1 / 8, 2 / 8, 5 / 8];

describe('crossEntropy for training', () => {
  it('ignore index: padding rows drop out of the loss and of the mean', async () => {
    const logits = tensor([row, row, row, row]);
    const labels = tensor([2, -100, 0, -100], [4], 'int32');
    // (−log 5/8 − log 1/8) / 2 kept rows.
    const want = (Math.log(8 / 5) + Math.log(8)) / 2;
    expect((await crossEntropy(logits, labels).data())[0]).toBeCloseTo(want, 6);
    const rows = Array.from(await crossEntropy(logits, labels, { reduction: 'none' }).data());
    [Math.log(1.6), 0, Math.log(8), 0].forEach((v, i) => expect(rows[i]).toBeCloseTo(v, 6));
    expect((await crossEntropy(logits, labels, { reduction: 'sum' }).data())[0]).toBeCloseTo(2 * want, 5);
    // Padding id 0 as the ignore index instead.
    const pad0 = await crossEntropy(logits, tensor([2, 0, 1, 0], [4], 'int32'), { ignoreIndex: 0 }).data();
    expect(pad0[0]).toBeCloseTo((Math.log(1.6) + Math.log(4)) / 2, 6);
  });

  it('label smoothing as PyTorch defines it: (1 − ε)·NLL + ε·mean over classes of −log p', async () => {
    const eps = 0.1;
    const want = (1 - eps) * Math.log(1.6) + (eps / 3) * (Math.log(8) + Math.log(4) + Math.log(1.6));
    const logits = tensor([row]);
    expect((await crossEntropy(logits, tensor([2], [1], 'int32'), { labelSmoothing: eps }).data())[0]).toBeCloseTo(want, 6);
    // Its gradient is softmax − ((1 − ε)·onehot + ε/C).
    const { value, grads } = valueAndGradsOf(() => crossEntropy(logits, tensor([2], [1], 'int32'), { labelSmoothing: eps }), [logits]);
    const target = [eps / 3, eps / 3, 1 - eps + eps / 3];
    const g = Array.from(await grads[0]!.data());
    g.forEach((v, i) => expect(v).toBeCloseTo(p[i]! - target[i]!, 6));
    value.dispose();
    grads[0]!.dispose();
  });

  it("the CPU's fused gradient kernel equals core's composite rule (ignored rows, smoothing, mean over 3 of 5 rows)", async () => {
    const logits = tensor(Array.from({ length: 5 }, (_, r) => Array.from({ length: 7 }, (_, j) => Math.sin(3 * r + j) * 4)));
    const labels = tensor([3, -100, 6, -100, 0], [5], 'int32');
    const gradient = async (): Promise<number[]> => {
      const { value, grads } = valueAndGradsOf(() => crossEntropy(logits, labels, { labelSmoothing: 0.15 }), [logits]);
      const g = Array.from(await grads[0]!.data());
      value.dispose();
      grads[0]!.dispose();
      return g;
    };
    const be = heed.engine.backend as { crossEntropyBackward?: unknown };
    expect(typeof be.crossEntropyBackward).toBe('function');
    const fused = await gradient();
    be.crossEntropyBackward = undefined; // shadow the kernel: core's composite rule runs
    const composite = await gradient();
    delete be.crossEntropyBackward;
    fused.forEach((v, i) => expect(Math.abs(v - composite[i]!)).toBeLessThan(1e-7));
    expect(fused.slice(7, 14).every((v) => v === 0)).toBe(true);
  });

  it('every row ignored gives 0 and a zero gradient; bad labels and options are typed errors', async () => {
    const logits = tensor([row, row]);
    const { value, grads } = valueAndGradsOf(() => crossEntropy(logits, tensor([-100, -100], [2], 'int32'), { labelSmoothing: 0.2 }), [logits]);
    expect(Array.from(await value.data())).toEqual([0]);
    expect(Array.from(await grads[0]!.data()).every((v) => v === 0)).toBe(true);
    const bad = tensor([3, 0], [2], 'int32');
    expect(() => crossEntropy(logits, bad)).toThrow(/label 3 in row 0 is out of range \[0, 3\) and is not the ignore index -100/);
    expect(() => crossEntropy(logits, tensor([-1, 0], [2], 'int32'))).toThrow(ArgumentError);
    expect(() => crossEntropy(logits, tensor([0, 0], [2], 'int32'), { labelSmoothing: 1 })).toThrow(/labelSmoothing must be in \[0, 1\), got 1/);
    expect(() => crossEntropy(logits, tensor([0, 0], [2], 'int32'), { ignoreIndex: 0.5 })).toThrow(/ignoreIndex must be an int32 integer/);
  });
});
