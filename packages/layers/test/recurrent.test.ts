/** Recurrent layers: cells agree with sequence layers, padding never leaks, bad input is named. */
import { describe, expect, it } from 'vitest';
import { ArgumentError, ShapeError, randomNormal, reshape, slice, tensor } from '@heed/core';
import { GRU, GRUCell, LSTM, LSTMCell, RNN } from '../src/index.js';
import { forEachBackend, relError, vals } from './helpers.js';

forEachBackend(() => {
  describe('recurrent layers', () => {
    it('an LSTM layer equals its cell stepped by hand (same parameters)', async () => {
      const seq = new LSTM(3, 4, { seed: 1, peephole: true });
      const cell = new LSTMCell(3, 4, { peephole: true });
      const sd = seq.stateDict();
      cell.loadStateDict({ weight_ih: sd.get('weight_ih_l0')!, weight_hh: sd.get('weight_hh_l0')!, bias_ih: sd.get('bias_ih_l0')!, bias_hh: sd.get('bias_hh_l0')!, weight_peephole: sd.get('weight_peephole_l0')! });
      const x = randomNormal([4, 2, 3], 0, 1, { seed: 2 });
      const out = seq.forward(x);
      let state = {};
      const hs: number[] = [];
      for (let t = 0; t < 4; t++) {
        const s = cell.forward(reshape(slice(x, [t, 0, 0], [1, 2, 3]), [2, 3]), state);
        hs.push(...(await vals(s.h)));
        state = s;
      }
      expect(relError(await vals(out.output), hs)).toBeLessThan(1e-6);
    });

    it('padding never leaks: a padded batch equals each sequence run alone', async () => {
      for (const make of [() => new GRU(3, 4, { seed: 3, bidirectional: true }), () => new LSTM(3, 4, { seed: 4, bidirectional: true, numLayers: 2 }), () => new RNN(3, 4, { seed: 5, bidirectional: true })]) {
        const layer = make();
        const x = randomNormal([5, 2, 3], 0, 1, { seed: 6 });
        // Garbage in the padding must not matter.
        const padded = randomNormal([5, 2, 3], 0, 100, { seed: 7 });
        const xs = await vals(x);
        const ps = await vals(padded);
        const lengths = [5, 2];
        const mixed = tensor(Float32Array.from(xs.map((v, i) => (Math.floor(i / 6) >= lengths[Math.floor(i / 3) % 2]! ? ps[i]! : v))), [5, 2, 3], 'float32');
        const both = layer.forward(mixed, { lengths });
        const alone = layer.forward(slice(x, [0, 1, 0], [2, 1, 3]));
        const y = await vals(both.output);
        const w = layer.numDirections * 4;
        const second = [0, 1].flatMap((t) => y.slice((t * 2 + 1) * w, (t * 2 + 2) * w));
        expect(relError(second, await vals(alone.output))).toBeLessThan(1e-6);
        const h = await vals(both.h);
        const ha = await vals(alone.h);
        for (let k = 0; k < layer.numLayers * layer.numDirections; k++) expect(relError(h.slice((k * 2 + 1) * 4, (k * 2 + 2) * 4), ha.slice(k * 4, (k + 1) * 4))).toBeLessThan(1e-6);
        layer.dispose();
      }
    });

    it('bad input throws typed errors naming the layer, the argument and the shapes', () => {
      const lstm = new LSTM(3, 4, { numLayers: 2, bidirectional: true });
      const x = randomNormal([5, 2, 3]);
      expect(() => lstm.forward(randomNormal([5, 2, 6]))).toThrow(ShapeError);
      expect(() => lstm.forward(randomNormal([5, 2, 6]))).toThrow(/LSTM\(input=3, hidden=4, layers=2, bidirectional\): input must be \[time, batch, 3\], got \[5,2,6\]/);
      expect(() => lstm.forward(x, { h0: randomNormal([4, 2, 5]) })).toThrow(/h0 must be \[4,2,4\] \(layers·directions, batch, hidden\), got \[4,2,5\]/);
      expect(() => lstm.forward(x, { c0: randomNormal([2, 2, 4]) })).toThrow(/c0 must be \[4,2,4\]/);
      expect(() => lstm.forward(x, { lengths: [5, 6] })).toThrow(/lengths must hold 2 integers in \[0, 5\].*got \[5,6\]/);
      expect(() => lstm.forward(x, { lengths: [5] })).toThrow(ShapeError);
      expect(() => new GRU(3, 4).forward(x, { c0: randomNormal([1, 2, 4]) })).toThrow(ArgumentError);
      const cell = new GRUCell(3, 4);
      expect(() => cell.forward(randomNormal([2, 3]), randomNormal([2, 5]))).toThrow(/GRUCell\(input=3, hidden=4\): state h must be \[2, 4\] \(batch, hidden\), got \[2,5\]/);
      expect(() => cell.forward(randomNormal([2, 4]))).toThrow(/GRUCell\(input=3, hidden=4\): x must be \[batch, 3\], got \[2,4\]/);
      expect(() => new RNN(3, 4, { numLayers: 0 })).toThrow(ArgumentError);
    });

    it('dropout between layers applies in training mode only', async () => {
      const m = new LSTM(3, 4, { numLayers: 2, dropout: 0.5, seed: 1 });
      const x = randomNormal([3, 2, 3], 0, 1, { seed: 2 });
      const a = await vals(m.forward(x).output);
      m.eval();
      const b = await vals(m.forward(x).output);
      const c = await vals(m.forward(x).output);
      expect(b).toEqual(c);
      expect(a).not.toEqual(b);
    });
  });
});
