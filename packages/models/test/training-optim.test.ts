/** Core's optimizers as the Trainer uses them: one ownership rule, AdamW's decay rule, state dicts for checkpoints. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Adam,
  AdamW,
  ArgumentError,
  CheckpointError,
  Rng,
  SGD,
  clipGradNorm,
  crossEntropy,
  tensor,
  tensorsFromSafetensors,
  tensorsToSafetensors,
  variableGrads,
  type Heed,
  type Optimizer,
  type Tensor,
  type Variable,
} from '@heed/core';
import { Embedding, LayerNorm, Linear, Module, type ModuleOptions } from '@heed/layers';
import { testHeed } from './helpers.js';

/** Embedding → LayerNorm → Linear: parameters of rank 1 (biases, LayerNorm gain/shift) and rank 2. */
class Net extends Module {
  readonly emb: Embedding;
  readonly norm: LayerNorm;
  readonly out: Linear;
  constructor(options: ModuleOptions) {
    super(options);
    this.emb = this.child('emb', new Embedding(7, 4, this.childOptions));
    this.norm = this.child('norm', new LayerNorm(4, this.childOptions));
    this.out = this.child('out', new Linear(4, 3, this.childOptions));
  }
  loss(ids: Tensor, labels: Tensor): Tensor {
    return crossEntropy(this.out.forward(this.norm.forward(this.emb.forward(ids))), labels);
  }
}

let heed: Heed;
beforeAll(async () => {
  heed = await testHeed('cpu');
});
afterAll(() => heed.dispose());

const snapshot = (m: Module): Map<string, number[]> => new Map(m.namedParameters().map(([n, p]) => [n, Array.from(p.dataSync())]));

/** Runs `steps` optimizer steps of `net` on fixed data; the trainer-style scope owns everything. */
function train(net: Net, opt: Optimizer, steps: number, seed: number): number[] {
  const rng = new Rng(seed);
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    heed.tidy(() => {
      const ids = tensor(Array.from({ length: 6 }, () => rng.int(7)), [6], 'int32');
      const labels = tensor(Array.from({ length: 6 }, () => rng.int(3)), [6], 'int32');
      const { value, grads } = variableGrads(() => net.loss(ids, labels), net.trainableParameters());
      opt.step(clipGradNorm(grads, 0.5).grads);
      losses.push(value.dataSync()[0]!);
    });
  }
  return losses;
}

describe('optimizers for training', () => {
  it('clipGradNorm leaves its inputs to the caller, like Optimizer.step; memory stays flat in a tidy step', () => {
    const net = new Net({ seed: 1 });
    const opt = new Adam(0.01);
    train(net, opt, 2, 5);
    const before = heed.memory();
    train(net, opt, 50, 6);
    const after = heed.memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
    const g = new Map<Variable, Tensor>([[net.out.bias!, tensor([3, 4, 0])]]);
    const { grads, norm } = clipGradNorm(g, 1);
    expect(Array.from(norm.dataSync())).toEqual([5]);
    expect(Array.from(g.get(net.out.bias!)!.dataSync())).toEqual([3, 4, 0]); // still alive and unchanged
    expect(Array.from(grads.get(net.out.bias!)!.dataSync()).map((v) => +v.toFixed(5))).toEqual([0.6, 0.8, 0]);
    for (const t of [norm, ...g.values(), ...grads.values()]) t.dispose();
    opt.dispose();
    net.dispose();
  });

  it('AdamW decays rank ≥ 2 parameters only by default (no biases, no LayerNorm gain or shift); a predicate overrides it', () => {
    for (const [opt, decayed] of [
      [new AdamW(0.1, { weightDecay: 0.5 }), ['emb.weight', 'out.weight']],
      [new AdamW(0.1, { weightDecay: 0.5, decay: (p) => p.name === 'bias' }), ['norm.bias', 'out.bias']],
    ] as const) {
      const net = new Net({ seed: 2 });
      const before = snapshot(net);
      // Zero gradients: Adam's own update is exactly 0, so only decay moves a parameter, by the factor 1 − lr·wd.
      const grads = new Map(net.trainableParameters().map((p) => [p, heed.tidy(() => tensor(new Float32Array(p.size), p.shape))]));
      opt.step(grads);
      for (const [name, p] of net.namedParameters()) {
        const got = Array.from(p.dataSync());
        const factor = (decayed as readonly string[]).includes(name) ? 1 - 0.1 * 0.5 : 1;
        const off = got.map((v, i) => Math.abs(v - before.get(name)![i]! * factor) / Math.max(1e-30, Math.abs(before.get(name)![i]!)));
        expect(Math.max(0, ...off), name).toBeLessThan(1e-6);
      }
      for (const g of grads.values()) g.dispose();
      opt.dispose();
      net.dispose();
    }
    expect(new AdamW().options.weightDecay).toBe(0.01);
  });

  it('Adam and SGD state dicts survive safetensors and continue bit-identically', async () => {
    for (const make of [() => new Adam(0.02, { weightDecay: 0.01 }), () => new SGD(0.05, { momentum: 0.9 })]) {
      const a = new Net({ seed: 3 });
      const optA = make();
      train(a, optA, 4, 7);
      const state = optA.stateDict(a.namedParameters());
      expect([...state.tensors.keys()].every((k) => /^(emb|norm|out)\.[a-z]+\/(m|v|velocity)$/.test(k))).toBe(true);
      // To disk and back, as a checkpoint does.
      const bytes = await tensorsToSafetensors(state.tensors);
      const meta = JSON.parse(JSON.stringify(state.meta));
      const weights = await tensorsToSafetensors(a.stateDict());
      const b = new Net({ seed: 99 });
      const loadedWeights = tensorsFromSafetensors(weights, { engine: heed.engine }).tensors;
      b.loadStateDict(loadedWeights);
      for (const t of loadedWeights.values()) t.dispose();
      const optB = make();
      const loaded = tensorsFromSafetensors(bytes, { engine: heed.engine }).tensors;
      optB.loadStateDict({ meta, tensors: loaded }, b.namedParameters());
      for (const t of loaded.values()) t.dispose();
      const lossA = train(a, optA, 3, 8);
      const lossB = train(b, optB, 3, 8);
      expect(lossB).toEqual(lossA);
      expect(snapshot(b)).toEqual(snapshot(a));
      for (const x of [optA, optB, a, b]) x.dispose();
    }
  });

  it('bad state: wrong optimizer type, unknown key, wrong shape, unnamed variable; nothing changes', () => {
    const net = new Net({ seed: 4 });
    const adam = new Adam(0.01);
    train(net, adam, 2, 9);
    const state = adam.stateDict(net.namedParameters());
    const sgd = new SGD(0.1, { momentum: 0.5 });
    train(net, sgd, 1, 9);
    const named = net.namedParameters();
    expect(() => adam.loadStateDict(sgd.stateDict(named), named)).toThrow(/written by a 'sgd' optimizer, this is 'adam'/);
    const renamed = new Map([...state.tensors].map(([k, t]) => [k.replace('out.', 'head.'), t]));
    expect(() => adam.loadStateDict({ meta: state.meta, tensors: renamed }, net.namedParameters())).toThrow(CheckpointError);
    expect(() => adam.loadStateDict({ meta: state.meta, tensors: renamed }, net.namedParameters())).toThrow(/head\.weight\/m/);
    const other = new Net({ seed: 4 });
    const wrong = tensor(new Float32Array(3), [3]);
    const shapes = new Map([...state.tensors].map(([k, t]) => [k, k === 'emb.weight/m' ? wrong : t]));
    const wrongShape = { meta: state.meta, tensors: shapes };
    expect(() => adam.loadStateDict(wrongShape, named)).toThrow(/"emb.weight\/m" is float32 \[3\], its parameter is float32 \[7,4\]/);
    expect(() => adam.loadStateDict({ meta: { type: 'adam', step: -1 }, tensors: state.tensors }, net.namedParameters())).toThrow(/meta.step/);
    expect(adam.iterations).toBe(2);
    expect(() => adam.stateDict(other.namedParameters())).toThrow(ArgumentError);
    for (const x of [wrong, adam, sgd, net, other]) x.dispose();
  });
});
