/** RNN, LSTM and GRU against onnxruntime-node's RNN/LSTM/GRU ops on the same weights. */
import { describe, expect, it } from 'vitest';
import { randomNormal, transpose } from '@heed/core';
import { f32, i32, runOnnxOp, toNumbers, type OracleTensor } from '@heed/onnx-oracle';
import { GRU, LSTM, RNN, type RecurrentLayer } from '../src/index.js';
import { forEachBackend, relError, vals } from './helpers.js';

const T = 5;
const B = 3;
const I = 4;
const H = 6;
const LENGTHS = [5, 2, 4];

/** Reorders gate blocks of a [G·H, …] row-major matrix (or [G·H] vector) by `order`. */
function reorderRows(values: number[], gates: number, order: number[]): number[] {
  const block = values.length / gates;
  return order.flatMap((g) => values.slice(g * block, (g + 1) * block));
}

interface OnnxSpec {
  op: 'RNN' | 'LSTM' | 'GRU';
  order: number[];
  attrs: Record<string, number | string | string[]>;
}

const SPECS: Record<'rnn' | 'lstm' | 'gru', OnnxSpec> = {
  rnn: { op: 'RNN', order: [0], attrs: {} },
  // Ours i,f,g,o → ONNX i,o,f,c.
  lstm: { op: 'LSTM', order: [0, 3, 1, 2], attrs: {} },
  // Ours r,z,n → ONNX z,r,h.
  gru: { op: 'GRU', order: [1, 0, 2], attrs: {} },
};

/** Runs one layer `l` of `layer` on ONNX; returns Y as [T, B, D·H] values plus Y_h, Y_c. */
async function onnxLayer(
  layer: RecurrentLayer,
  l: number,
  x: number[],
  inSize: number,
  extra: { h0?: number[]; c0?: number[]; lengths?: number[]; attrs?: Record<string, number | string | string[]> },
): Promise<{ y: number[]; yh: number[]; yc?: number[] }> {
  const spec = SPECS[layer.kind];
  const gates = spec.order.length;
  const D = layer.numDirections;
  const sd = layer.stateDict();
  const get = (name: string, d: number): Promise<number[]> => vals(sd.get(`${name}_l${l}${d === 1 ? '_reverse' : ''}`)!);
  const W: number[] = [];
  const R: number[] = [];
  const Bias: number[] = [];
  const P: number[] = [];
  const peephole = sd.has(`weight_peephole_l${l}`);
  for (let d = 0; d < D; d++) {
    W.push(...reorderRows(await get('weight_ih', d), gates, spec.order));
    R.push(...reorderRows(await get('weight_hh', d), gates, spec.order));
    Bias.push(...reorderRows(await get('bias_ih', d), gates, spec.order), ...reorderRows(await get('bias_hh', d), gates, spec.order));
    if (peephole) {
      const p = await get('weight_peephole', d); // rows i, f, o → ONNX i, o, f
      P.push(...p.slice(0, H), ...p.slice(2 * H, 3 * H), ...p.slice(H, 2 * H));
    }
  }
  const inputs: (OracleTensor | null)[] = [
    f32([T, B, inSize], x),
    f32([D, gates * H, inSize], W),
    f32([D, gates * H, H], R),
    f32([D, 2 * gates * H], Bias),
    extra.lengths ? i32([B], extra.lengths) : null,
    extra.h0 ? f32([D, B, H], extra.h0) : null,
  ];
  if (layer.kind === 'lstm') inputs.push(extra.c0 ? f32([D, B, H], extra.c0) : null, peephole ? f32([D, 3 * H], P) : null);
  const attrs = { hidden_size: H, direction: D === 2 ? 'bidirectional' : 'forward', ...spec.attrs, ...extra.attrs };
  const outs = await runOnnxOp(spec.op, inputs, attrs, { numOutputs: layer.kind === 'lstm' ? 3 : 2, opset: 14 });
  // Y [T, D, B, H] → [T, B, D·H]
  const y4 = toNumbers(outs[0]!);
  const y: number[] = [];
  for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) for (let d = 0; d < D; d++) for (let h = 0; h < H; h++) y.push(y4[((t * D + d) * B + b) * H + h]!);
  return { y, yh: toNumbers(outs[1]!), ...(layer.kind === 'lstm' ? { yc: toNumbers(outs[2]!) } : {}) };
}

interface Case {
  name: string;
  make: () => RecurrentLayer;
  lengths?: number[];
  initial?: boolean;
  attrs?: Record<string, number | string | string[]>;
}

const cases: Case[] = [
  { name: 'RNN tanh, forward, lengths', make: () => new RNN(I, H, { seed: 1 }), lengths: LENGTHS, attrs: { activations: ['Tanh'] } },
  { name: 'RNN relu, bidirectional, initial state, lengths', make: () => new RNN(I, H, { seed: 2, nonlinearity: 'relu', bidirectional: true }), lengths: LENGTHS, initial: true, attrs: { activations: ['Relu', 'Relu'] } },
  { name: 'RNN tanh, 2 layers, bidirectional', make: () => new RNN(I, H, { seed: 3, numLayers: 2, bidirectional: true }) },
  { name: 'LSTM, forward, full length', make: () => new LSTM(I, H, { seed: 4 }) },
  { name: 'LSTM, 2 layers, bidirectional, initial states, lengths', make: () => new LSTM(I, H, { seed: 5, numLayers: 2, bidirectional: true }), lengths: LENGTHS, initial: true },
  { name: 'LSTM peephole, bidirectional, lengths', make: () => new LSTM(I, H, { seed: 6, peephole: true, bidirectional: true }), lengths: LENGTHS, initial: true },
  { name: 'GRU linear_before_reset, bidirectional, initial state, lengths', make: () => new GRU(I, H, { seed: 7, bidirectional: true }), lengths: LENGTHS, initial: true, attrs: { linear_before_reset: 1 } },
  { name: 'GRU original (reset before linear), bidirectional, lengths', make: () => new GRU(I, H, { seed: 8, bidirectional: true, linearBeforeReset: false }), lengths: LENGTHS, initial: true, attrs: { linear_before_reset: 0 } },
  { name: 'GRU linear_before_reset, 2 layers, lengths', make: () => new GRU(I, H, { seed: 9, numLayers: 2 }), lengths: LENGTHS, attrs: { linear_before_reset: 1 } },
];

forEachBackend((backend) => {
  describe('recurrent layers equal onnxruntime-node (relative error ≤ 1e-5)', () => {
    for (const c of cases) {
      it(c.name, async () => {
        const layer = c.make();
        const D = layer.numDirections;
        const L = layer.numLayers;
        const x = randomNormal([T, B, I], 0, 1, { seed: 11 });
        const h0 = c.initial ? randomNormal([L * D, B, H], 0, 0.5, { seed: 12 }) : undefined;
        const c0 = c.initial && layer.kind === 'lstm' ? randomNormal([L * D, B, H], 0, 0.5, { seed: 13 }) : undefined;
        const ours = (layer as LSTM).forward(x, { ...(h0 && { h0 }), ...(c0 && { c0 }), ...(c.lengths && { lengths: c.lengths }) });
        let input = await vals(x);
        let inSize = I;
        const refH: number[] = [];
        const refC: number[] = [];
        const per = D * B * H;
        const h0v = h0 && (await vals(h0));
        const c0v = c0 && (await vals(c0));
        for (let l = 0; l < L; l++) {
          const r = await onnxLayer(layer, l, input, inSize, {
            ...(h0v && { h0: h0v.slice(l * per, (l + 1) * per) }),
            ...(c0v && { c0: c0v.slice(l * per, (l + 1) * per) }),
            ...(c.lengths && { lengths: c.lengths }),
            ...(c.attrs && { attrs: c.attrs }),
          });
          input = r.y;
          inSize = D * H;
          refH.push(...r.yh);
          if (r.yc) refC.push(...r.yc);
        }
        const y = await vals(ours.output);
        const errY = relError(y, input);
        const errH = relError(await vals(ours.h), refH);
        const errC = ours.c ? relError(await vals(ours.c), refC) : 0;
        console.log(`[onnx parity, ${backend}] ${c.name}: output ${errY.toExponential(2)}, h ${errH.toExponential(2)}${ours.c ? `, c ${errC.toExponential(2)}` : ''}`);
        expect(errY).toBeLessThanOrEqual(1e-5);
        expect(errH).toBeLessThanOrEqual(1e-5);
        expect(errC).toBeLessThanOrEqual(1e-5);
        // Padding never leaks: outputs past each length are exactly zero.
        if (c.lengths) {
          const w = D * H;
          for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) if (t >= c.lengths[b]!) expect(y.slice((t * B + b) * w, (t * B + b + 1) * w).every((v) => v === 0)).toBe(true);
        }
        layer.dispose();
      });
    }

    it('batchFirst gives the transposed result of time-major', async () => {
      const a = new LSTM(I, H, { seed: 21, bidirectional: true });
      const b = new LSTM(I, H, { seed: 21, bidirectional: true, batchFirst: true });
      const x = randomNormal([T, B, I], 0, 1, { seed: 22 });
      const ya = a.forward(x, { lengths: LENGTHS });
      const yb = b.forward(transpose(x, [1, 0, 2]), { lengths: LENGTHS });
      expect(await vals(transpose(yb.output, [1, 0, 2]))).toEqual(await vals(ya.output));
      expect(await vals(yb.h)).toEqual(await vals(ya.h));
      a.dispose();
      b.dispose();
    });
  });
});
