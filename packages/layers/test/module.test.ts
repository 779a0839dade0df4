/** Module tree: names, state dicts (with safetensors round trips), modes, counts, errors. */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArgumentError, CheckpointError, DTypeError, ShapeError, createHeed, ones, randomNormal, tensor, tensorsFromSafetensors, tensorsToSafetensors, zeros } from '@heed/core';
import { Dropout, Embedding, LSTM, LayerNorm, Linear, Module, StateDictError, TransformerEncoder, gloveMatrix, parseGlove, type ModuleOptions } from '../src/index.js';
import { loadModule, saveModule } from '../src/node.js';
import { cpuBackendModule } from '@heed/backend-cpu';
import { forEachBackend, vals } from './helpers.js';

class Block extends Module {
  readonly proj: Linear;
  readonly norm: LayerNorm;
  readonly drop: Dropout;
  constructor(options: ModuleOptions = {}) {
    super(options);
    this.proj = this.child('proj', new Linear(4, 3, this.childOptions));
    this.norm = this.child('norm', new LayerNorm(3, this.childOptions));
    this.drop = this.child('drop', new Dropout(0.5, this.childOptions));
  }
}

forEachBackend((_backend, getHeed) => {
  describe('Module', () => {
    it('names parameters by dotted path, stably, and counts them', () => {
      const enc = new TransformerEncoder(2, { dModel: 8, numHeads: 2, dFF: 16 });
      const names = [...enc.stateDict().keys()];
      expect(names).toContain('layers.0.selfAttn.wq.weight');
      expect(names).toContain('layers.1.ffn.linear2.bias');
      expect(names).toContain('layers.1.res2.norm.weight');
      expect(names).toEqual([...new TransformerEncoder(2, { dModel: 8, numHeads: 2, dFF: 16 }).stateDict().keys()]);
      // per layer: 4 projections (8·8+8) + FFN (8·16+16 + 16·8+8) + 2 norms (2·8·2)
      expect(enc.parameterCount()).toBe(2 * (4 * 72 + 144 + 136 + 32));
      const lstm = new LSTM(3, 5, { numLayers: 2, bidirectional: true });
      expect([...lstm.stateDict().keys()].slice(0, 5)).toEqual(['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0', 'weight_ih_l0_reverse']);
      expect(lstm.stateDict().get('weight_ih_l1')!.shape).toEqual([20, 10]);
      enc.dispose();
      lstm.dispose();
    });

    it('same seed gives the same parameters; different seeds differ', async () => {
      const a = new Block({ seed: 5 });
      const b = new Block({ seed: 5 });
      const c = new Block({ seed: 6 });
      expect(await vals(a.proj.weight)).toEqual(await vals(b.proj.weight));
      expect(await vals(a.proj.weight)).not.toEqual(await vals(c.proj.weight));
      for (const m of [a, b, c]) m.dispose();
    });

    it('train/eval propagates to children; dropout is active only in training', async () => {
      const m = new Block({ seed: 1 });
      const x = ones([4, 16]);
      expect(m.drop.training).toBe(true);
      const yTrain = await vals(m.drop.forward(x));
      expect(yTrain.some((v) => v === 0)).toBe(true);
      expect(yTrain.every((v) => v === 0 || v === 2)).toBe(true);
      m.eval();
      expect(m.drop.training).toBe(false);
      expect(await vals(m.drop.forward(x))).toEqual(await vals(x));
      m.train();
      expect(m.norm.training).toBe(true);
      // Seeded: the same seed reproduces the mask.
      expect(await vals(new Dropout(0.5, { seed: 9 }).forward(x))).toEqual(await vals(new Dropout(0.5, { seed: 9 }).forward(x)));
      m.dispose();
    });

    it('stateDict round-trips through safetensors bytes and files', async () => {
      const a = new Block({ seed: 1 });
      const b = new Block({ seed: 2 });
      const bytes = await tensorsToSafetensors(a.stateDict());
      const { tensors } = tensorsFromSafetensors(bytes);
      expect([...tensors.keys()].sort()).toEqual(['norm.bias', 'norm.weight', 'proj.bias', 'proj.weight']);
      b.loadStateDict(tensors);
      for (const [k, v] of a.stateDict()) expect(await vals(b.stateDict().get(k)!)).toEqual(await vals(v));
      const dir = mkdtempSync(join(tmpdir(), 'heed-layers-'));
      try {
        const c = new Block({ seed: 3 });
        await saveModule(a, join(dir, 'a.safetensors'));
        await loadModule(c, join(dir, 'a.safetensors'));
        expect(await vals(c.proj.weight)).toEqual(await vals(a.proj.weight));
        c.dispose();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      a.dispose();
      b.dispose();
    });

    it('loadStateDict names missing, unexpected and mis-shaped keys, and assigns nothing then', async () => {
      const m = new Block({ seed: 1 });
      const before = await vals(m.proj.bias!);
      const state = new Map([
        ['proj.weight', zeros([3, 5])],
        ['proj.bias', zeros([3])],
        ['norm.weight', zeros([3])],
        ['extra.thing', zeros([1])],
      ]);
      let err: unknown;
      try {
        m.loadStateDict(state);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(StateDictError);
      expect(err).toBeInstanceOf(CheckpointError);
      const e = err as StateDictError;
      expect(e.missing).toEqual(['norm.bias']);
      expect(e.unexpected).toEqual(['extra.thing']);
      expect(e.mismatched).toEqual([{ key: 'proj.weight', expected: [3, 4], got: [3, 5] }]);
      expect(e.message).toMatch(/Block\.loadStateDict/);
      expect(e.message).toMatch(/proj\.weight expects \[3,4\], got \[3,5\]/);
      expect(e.message).toMatch(/missing keys: norm\.bias/);
      expect(e.message).toMatch(/unexpected keys: extra\.thing/);
      expect(await vals(m.proj.bias!)).toEqual(before);
      // Non-strict loading ignores missing/extra keys but never a wrong shape.
      expect(() => m.loadStateDict({ 'proj.bias': zeros([3]) }, { strict: false })).not.toThrow();
      expect(await vals(m.proj.bias!)).toEqual([0, 0, 0]);
      expect(() => m.loadStateDict({ 'proj.bias': zeros([4]) }, { strict: false })).toThrow(/proj\.bias expects \[3\], got \[4\]/);
      expect(() => m.loadStateDict({ 'proj.bias': zeros([3], 'int32') }, { strict: false })).toThrow(/proj\.bias expects float32 \[3\], got int32 \[3\]/);
      m.dispose();
    });

    it('loadStateDict checks every value first: non-tensors, disposed tensors and other engines assign nothing', async () => {
      const m = new Block({ seed: 1 });
      const before = { w: await vals(m.proj.weight), b: await vals(m.proj.bias!), g: await vals(m.norm.weight) };
      const good = (): Map<string, unknown> =>
        new Map<string, unknown>([
          ['proj.weight', ones([3, 4])],
          ['proj.bias', ones([3])],
          ['norm.weight', ones([3])],
          ['norm.bias', ones([3])],
        ]);
      const dead = ones([3]);
      dead.dispose();
      const other = await createHeed({ plugins: [cpuBackendModule], backend: 'cpu', setActive: false });
      const foreign = tensor([1, 2, 3], [3], 'float32', { engine: other.engine });
      const cases: [unknown, RegExp][] = [
        [dead, /norm\.bias \(the tensor was disposed\)/],
        [{ shape: [3], dtype: 'float32' }, /norm\.bias \(not a Tensor: an object \(Object\)\)/],
        [{}, /norm\.bias \(not a Tensor: an object/],
        [[1, 2], /norm\.bias \(not a Tensor: an array of length 2\)/],
        ['weights', /norm\.bias \(not a Tensor: a string of length 7\)/],
        [null, /norm\.bias \(not a Tensor: null\)/],
        [undefined, /norm\.bias \(not a Tensor: undefined undefined\)/],
        [0, /norm\.bias \(not a Tensor: number 0\)/],
        [foreign, /norm\.bias \(the tensor belongs to another Heed app's engine\)/],
      ];
      for (const [value, message] of cases) {
        const state = good();
        state.set('norm.bias', value); // last, so a loader that assigned as it went would have changed the others
        let err: unknown;
        try {
          m.loadStateDict(state as Map<string, never>);
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(StateDictError);
        expect((err as Error).message).toMatch(message);
        expect((err as StateDictError).invalid.map((e) => e.key)).toEqual(['norm.bias']);
        expect({ w: await vals(m.proj.weight), b: await vals(m.proj.bias!), g: await vals(m.norm.weight) }).toEqual(before);
        for (const [, t] of state) if (t instanceof Object && 'dispose' in t && t !== dead && t !== foreign) (t as { dispose(): void }).dispose();
      }
      for (const bad of [null, 'state', [1, 2], 42]) {
        expect(() => m.loadStateDict(bad as never)).toThrow(CheckpointError);
        expect(() => m.loadStateDict(bad as never)).toThrow(/must be a Map or an object of tensors by name/);
      }
      foreign.dispose();
      other.dispose();
      m.dispose();
    });

    it('parameterCount can skip frozen parameters; dispose frees every parameter', () => {
      const before = getHeed().memory().numTensors;
      const m = new Block({ seed: 1 });
      expect(m.parameterCount()).toBe(4 * 3 + 3 + 3 + 3);
      m.norm.setTrainable(false);
      expect(m.parameterCount({ trainableOnly: true })).toBe(15);
      expect(m.trainableParameters()).toHaveLength(2);
      m.dispose();
      expect(getHeed().memory().numTensors).toBe(before);
    });

    it('rejects bad names and double registration', () => {
      class Bad extends Module {
        constructor(name: string, twice = false) {
          super();
          this.paramZeros(name, [1]);
          if (twice) this.paramZeros(name, [1]);
        }
      }
      expect(() => new Bad('a.b')).toThrow(ArgumentError);
      expect(() => new Bad('w', true)).toThrow(/"w" is registered twice/);
    });
  });

  describe('Linear, Embedding, LayerNorm', () => {
    it('Linear computes x·Wᵀ + b over leading dims and names its shapes on bad input', async () => {
      const lin = new Linear(2, 3, { seed: 1 });
      lin.loadStateDict({ weight: tensor([[1, 2], [3, 4], [5, 6]]), bias: tensor([0.5, 0, -1]) });
      expect(await vals(lin.forward(tensor([[[1, 1]], [[2, 0]]])))).toEqual([3.5, 7, 10, 2.5, 6, 9]);
      expect(() => lin.forward(zeros([2, 3]))).toThrow(ShapeError);
      expect(() => lin.forward(zeros([2, 3]))).toThrow(/Linear\(2→3\): input \[2,3\] must end in inFeatures = 2/);
      lin.dispose();
    });

    it('Embedding looks up rows, loads pretrained matrices and GloVe text', async () => {
      const e = Embedding.fromPretrained(tensor([[1, 2], [3, 4], [5, 6]]), { freeze: true });
      expect(await vals(e.forward(tensor(Int32Array.from([2, 0]), [2], 'int32')))).toEqual([5, 6, 1, 2]);
      expect(e.parameterCount({ trainableOnly: true })).toBe(0);
      expect(() => e.forward(tensor([1, 2]))).toThrow(DTypeError);
      const glove = parseGlove('the 0.1 0.2 0.3\ncat -1 0.5 2\nsat 3 2 1\n');
      expect(glove.words).toEqual(['the', 'cat', 'sat']);
      expect(glove.dim).toBe(3);
      const m = gloveMatrix(glove, ['<pad>', 'cat', 'the'], { oovStd: 0 });
      expect(m.found).toEqual([false, true, true]);
      const g = Embedding.fromPretrained(m);
      expect(await vals(g.weight)).toEqual([0, 0, 0, -1, 0.5, 2, Math.fround(0.1), Math.fround(0.2), Math.fround(0.3)]);
      expect(() => parseGlove('a 1 2\nb 1 2 3')).toThrow(/line 2 \("b"\) has 3 values, earlier lines have 2/);
      const padded = new Embedding(5, 4, { paddingIdx: 0, seed: 2 });
      expect((await vals(padded.weight)).slice(0, 4)).toEqual([0, 0, 0, 0]);
      for (const x of [e, g, padded]) x.dispose();
    });

    it('LayerNorm normalises the last axis', async () => {
      const ln = new LayerNorm(4);
      const y = await vals(ln.forward(randomNormal([3, 4], 2, 3, { seed: 1 })));
      for (let r = 0; r < 3; r++) {
        const row = y.slice(r * 4, r * 4 + 4);
        const mean = row.reduce((a, b) => a + b) / 4;
        expect(Math.abs(mean)).toBeLessThan(1e-5);
        expect(row.reduce((a, b) => a + (b - mean) ** 2, 0) / 4).toBeCloseTo(1, 3);
      }
      expect(() => ln.forward(zeros([3, 5]))).toThrow(/LayerNorm\(4\): input \[3,5\] must end in 4/);
      ln.dispose();
    });
  });
});
