/** Core's autograd, scopes and optimizers, exercised through the CPU backend. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Adam,
  DisposedError,
  GradientError,
  SGD,
  clipGradNorm,
  createHeed,
  grad,
  grads,
  keep,
  noGrad,
  ops,
  tidy,
  valueAndGrad,
  variable,
  variableGrads,
  type Heed,
} from '@heed/core';
import { cpuBackendModule } from '../src/index.js';

let heed: Heed;
beforeAll(async () => {
  heed = await createHeed({ plugins: [cpuBackendModule] });
});
afterAll(() => heed.dispose());

const arr = async (t: { data(): Promise<ArrayLike<number>> }): Promise<number[]> => Array.from(await t.data());

describe('autograd API', () => {
  it('grad of x³ + 2x is 3x² + 2', async () => {
    const x = ops.tensor([1, 2, -3]);
    const g = grad((v) => ops.sum(ops.add(ops.mul(ops.mul(v, v), v), ops.mul(v, 2))))(x);
    expect(await arr(g)).toEqual([5, 14, 29]);
  });

  it('grads and valueAndGrad return every gradient and the value', async () => {
    const a = ops.tensor([[1, 2]]);
    const b = ops.tensor([[3], [4]]);
    const [ga, gb] = grads((x, y) => ops.sum(ops.matmul(x!, y!)))([a, b]);
    expect(await arr(ga!)).toEqual([3, 4]);
    expect(await arr(gb!)).toEqual([1, 2]);
    const { value, grad: g } = valueAndGrad((x) => ops.mean(ops.square(x)))(ops.tensor([2, 4]));
    expect(await arr(value)).toEqual([10]);
    expect(await arr(g)).toEqual([2, 4]);
  });

  it('gradients accumulate when a tensor is used twice, and unused sources get zeros', async () => {
    const x = ops.tensor([3]);
    const y = ops.tensor([5]);
    const [gx, gy] = grads((p, _q) => ops.sum(ops.mul(p!, p!)))([x, y]);
    expect(await arr(gx!)).toEqual([6]);
    expect(await arr(gy!)).toEqual([0]);
  });

  it('stops at int tensors and through noGrad', async () => {
    const x = ops.tensor([1.5, 2.5]);
    const g = grad((v) => ops.sum(ops.add(ops.cast(ops.cast(v, 'int32'), 'float32'), noGrad(() => ops.mul(v, 3)))))(x);
    expect(await arr(g)).toEqual([0, 0]);
  });

  it('rejects a non-function with an ArgumentError', () => {
    expect(() => grad(null as never)(ops.tensor([1]))).toThrow(/expected a function to differentiate, got null/);
  });

  it('requires a scalar value unless dy is given', async () => {
    const x = ops.tensor([1, 2]);
    expect(() => grad((v) => ops.mul(v, 2))(x)).toThrow(GradientError);
    const g = grad((v) => ops.mul(v, 2))(x, ops.tensor([1, 10]));
    expect(await arr(g)).toEqual([2, 20]);
  });

  it('works when the function disposes its own intermediates with tidy', async () => {
    const x = ops.tensor([2]);
    const g = grad((v) => tidy(() => ops.sum(ops.exp(ops.mul(v, 0.5)))))(x);
    expect((await arr(g))[0]).toBeCloseTo(0.5 * Math.exp(1), 5);
  });

  it('leaves no tensors behind: only the value and the gradients survive', () => {
    const x = ops.tensor([1, 2, 3]);
    const before = heed.memory().numTensors;
    const { value, grad: g } = valueAndGrad((v) => ops.sum(ops.softmax(ops.mul(ops.tanh(v), v))))(x);
    expect(heed.memory().numTensors).toBe(before + 2);
    value.dispose();
    g.dispose();
    expect(heed.memory().numTensors).toBe(before);
  });
});

describe('scopes and memory', () => {
  it('tidy keeps returned tensors (also inside objects) and keep()-ed ones', () => {
    const before = heed.memory().numTensors;
    let kept!: ReturnType<typeof ops.tensor>;
    const out = tidy(() => {
      const a = ops.tensor([1, 2]);
      kept = keep(ops.add(a, 1));
      return { y: ops.mul(a, 2), list: [ops.exp(a)] };
    });
    expect(heed.memory().numTensors).toBe(before + 3);
    out.y.dispose();
    out.list[0]!.dispose();
    kept.dispose();
    expect(heed.memory().numTensors).toBe(before);
  });

  it('tidy disposes everything when the function throws', () => {
    const before = heed.memory().numTensors;
    expect(() =>
      tidy(() => {
        ops.tensor([1, 2, 3]);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(heed.memory().numTensors).toBe(before);
  });

  it('a thousand training steps leave memory flat', () => {
    const w = variable(ops.randomNormal([8, 4], 0, 0.1, { seed: 1 }), 'w');
    const x = ops.randomNormal([16, 8], 0, 1, { seed: 2 });
    const y = ops.tensor(Int32Array.from({ length: 16 }, (_, i) => i % 4), [16], 'int32');
    const opt = new Adam(0.01);
    const step = (): void => {
      const { value, grads: g } = variableGrads(() => ops.crossEntropy(ops.matmul(x, w), y), [w]);
      opt.step(g);
      value.dispose();
      for (const t of g.values()) t.dispose();
    };
    step();
    const after1 = heed.memory();
    for (let i = 0; i < 1000; i++) step();
    const after = heed.memory();
    expect(after.numTensors).toBe(after1.numTensors);
    expect(after.numBytes).toBe(after1.numBytes);
    expect(after.backend.buffers).toBe(after1.backend.buffers);
    opt.dispose();
    for (const t of [w, x, y]) t.dispose();
  });

  it('using a disposed variable or tensor throws DisposedError naming it', () => {
    const x = ops.tensor([1]);
    x.dispose();
    expect(() => ops.add(x, 1)).toThrow(DisposedError);
    expect(() => x.dataSync()).toThrow(/used after dispose/);
  });
});

describe('optimizers', () => {
  it('SGD with momentum and Adam minimise a quadratic', async () => {
    for (const make of [() => new SGD(0.1, { momentum: 0.9 }), () => new Adam(0.1)]) {
      const w = variable(ops.tensor([5, -3]), 'w');
      const opt = make();
      for (let i = 0; i < 300; i++) {
        const { value, grads: g } = variableGrads(() => ops.sum(ops.square(ops.sub(w, ops.tensor([1, 2])))), [w]);
        opt.step(g);
        value.dispose();
        g.forEach((t) => t.dispose());
      }
      const got = await arr(w);
      expect(got[0]).toBeCloseTo(1, 2);
      expect(got[1]).toBeCloseTo(2, 2);
      opt.dispose();
      w.dispose();
    }
  });

  it('Adam updates in place only when nothing else shares the storage', async () => {
    const w = variable(ops.tensor([1, 2, 3]), 'w');
    const opt = new Adam(0.1);
    const stepOnce = (): void => {
      const g = new Map([[w, ops.tensor([1, 1, 1])]]);
      opt.step(g);
      g.forEach((t) => t.dispose());
    };
    stepOnce(); // w now owns its storage alone
    const snapshot = ops.reshape(w, [3]); // a view shares it: the next step must not write into it
    const before = await arr(snapshot);
    const shared = w.dataId;
    stepOnce();
    expect(w.dataId).not.toBe(shared); // new storage for w
    expect(await arr(snapshot)).toEqual(before);
    expect((await arr(w))[0]).toBeLessThan(before[0]!);
    snapshot.dispose();
    const alone = w.dataId;
    const value = (await arr(w))[0]!;
    stepOnce(); // alone again: updated in place
    expect(w.dataId).toBe(alone);
    expect((await arr(w))[0]).toBeLessThan(value);
    opt.dispose();
    w.dispose();
  });

  it('clipGradNorm scales to the max norm and reports the norm', async () => {
    const w = variable(ops.tensor([0, 0]), 'w');
    const g = new Map([[w, ops.tensor([3, 4])]]);
    const { grads: clipped, norm } = clipGradNorm(g, 1);
    expect(await arr(norm)).toEqual([5]);
    const c = await arr(clipped.get(w)!);
    expect(c[0]).toBeCloseTo(0.6, 5);
    expect(c[1]).toBeCloseTo(0.8, 5);
  });
});

describe('gradient ownership', () => {
  it('two sources never share one gradient tensor, so clipping and disposing are safe', async () => {
    const a = variable(ops.tensor([1, 2]), 'a');
    const b = variable(ops.tensor([3, 4]), 'b');
    const { value, grads: g } = variableGrads(() => ops.sum(ops.add(a, b)), [a, b]);
    expect(g.get(a)).not.toBe(g.get(b));
    const { grads: clipped, norm } = clipGradNorm(g, 1);
    expect((await arr(norm))[0]).toBeCloseTo(2, 5);
    expect((await arr(clipped.get(b)!))[0]).toBeCloseTo(0.5, 5);
    // clipGradNorm leaves its inputs to the caller (the optimizers' ownership rule).
    expect(await arr(g.get(a)!)).toEqual([1, 1]);
    for (const t of [value, norm, ...clipped.values(), ...g.values(), a, b]) t.dispose();
  });

  it('the dy passed in is never handed back as a gradient', () => {
    const x = ops.tensor([1, 2]);
    const dy = ops.tensor([5, 6]);
    const g = grad((v) => ops.add(v, 0))(x, dy);
    expect(g).not.toBe(dy);
    g.dispose();
    expect(Array.from(dy.dataSync())).toEqual([5, 6]);
  });
});

describe('values the function did not create', () => {
  it('grad of the identity leaves the input alive', async () => {
    const x = ops.tensor([3]);
    const g = grad((v) => v)(x);
    expect(await arr(g)).toEqual([1]);
    expect(x.isDisposed).toBe(false);
    expect(await arr(x)).toEqual([3]);
  });

  it('a function returning a captured tensor gives zero gradients and leaves it alive', async () => {
    const captured = ops.tensor([7]);
    const x = ops.tensor([1]);
    const { value, grad: g } = valueAndGrad(() => captured)(x);
    expect(await arr(g)).toEqual([0]);
    value.dispose();
    expect(captured.isDisposed).toBe(false);
  });
});
