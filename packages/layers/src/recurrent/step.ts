/**
 * One time step of each recurrent cell, on weights prepared once per sequence (transposed
 * to [input, gates·hidden], biases summed where the math allows). Standard LSTM and the
 * linear-before-reset GRU run core's fused `lstmCell`/`gruCell`; peephole LSTM, the
 * original GRU and the Elman RNN are composed from primitive ops.
 */
import { add, concat, lstmCell, gruCell, matmul, mul, relu, sigmoid, slice, split, sub, tanh, transpose, zeros, type Engine, type Tensor } from '@heed/core';

/** The recurrent cell kinds. */
export type CellKind = 'rnn' | 'lstm' | 'gru';

/** Cell options that change the math. */
export interface CellMath {
  /** Elman RNN nonlinearity (default tanh). */
  nonlinearity?: 'tanh' | 'relu';
  /** GRU: apply the reset gate after the hidden matmul (PyTorch/cuDNN; default true). */
  linearBeforeReset?: boolean;
  /** LSTM: peephole connections from the cell state to the i, f, o gates. */
  peephole?: boolean;
}

/** Raw parameters of one direction of one layer, PyTorch layout and gate order. */
export interface CellParams {
  /** [gates·hidden, input]; gates i,f,g,o (LSTM), r,z,n (GRU). */
  weightIh: Tensor;
  /** [gates·hidden, hidden]. */
  weightHh: Tensor;
  biasIh?: Tensor;
  biasHh?: Tensor;
  /** LSTM peephole weights [3, hidden], rows i, f, o. */
  peephole?: Tensor;
}

/** A step function: (x [batch, input], states [h] or [h, c]) → new states. */
export type StepFn = (x: Tensor, states: readonly Tensor[]) => Tensor[];

/** Number of gate blocks of each kind. */
export const GATES: Record<CellKind, number> = { rnn: 1, lstm: 4, gru: 3 };

/** Reorders GRU blocks along `axis` from PyTorch's r,z,n to core's z,r,n. */
function rznToZrn(t: Tensor, axis: number): Tensor {
  const [r, z, n] = split(t, 3, axis) as [Tensor, Tensor, Tensor];
  return concat([z, r, n], axis);
}

/** A standard LSTM's weights in core's cell layout: w [input, 4·hidden], r [hidden, 4·hidden], bias = b_ih + b_hh. */
export function lstmWeights(p: CellParams, hidden: number, engine: Engine): { w: Tensor; r: Tensor; bias: Tensor } {
  const g = 4 * hidden;
  const bih = p.biasIh ?? zeros([g], 'float32', { engine });
  const bhh = p.biasHh ?? zeros([g], 'float32', { engine });
  return { w: transpose(p.weightIh), r: transpose(p.weightHh), bias: add(bih, bhh) };
}

/** Prepares a step function for one direction of one layer (tensors made here belong to the caller's scope). */
export function prepareStep(kind: CellKind, p: CellParams, hidden: number, math: CellMath, engine: Engine): StepFn {
  const g = GATES[kind] * hidden;
  const w = transpose(p.weightIh);
  const r = transpose(p.weightHh);
  const bih = p.biasIh ?? zeros([g], 'float32', { engine });
  const bhh = p.biasHh ?? zeros([g], 'float32', { engine });
  if (kind === 'lstm') {
    const bias = add(bih, bhh);
    if (!math.peephole) return (x, [h, c]) => lstmCell(x, h!, c!, w, r, bias);
    const [pi, pf, po] = split(p.peephole!, 3, 0) as [Tensor, Tensor, Tensor];
    return (x, [h, c]) => {
      const gates = add(add(matmul(x, w), matmul(h!, r)), bias);
      const [gi, gf, gg, go] = split(gates, 4, -1) as [Tensor, Tensor, Tensor, Tensor];
      const i = sigmoid(add(gi, mul(pi, c!)));
      const f = sigmoid(add(gf, mul(pf, c!)));
      const c2 = add(mul(f, c!), mul(i, tanh(gg)));
      const o = sigmoid(add(go, mul(po, c2)));
      return [mul(o, tanh(c2)), c2];
    };
  }
  if (kind === 'gru') {
    const wz = rznToZrn(w, 1);
    const rz = rznToZrn(r, 1);
    const bw = rznToZrn(bih, 0);
    const br = rznToZrn(bhh, 0);
    if (math.linearBeforeReset ?? true) return (x, [h]) => [gruCell(x, h!, wz, rz, bw, br)];
    // Original GRU (Cho et al.): n = tanh(x·Wn + bWn + (r ⊙ h)·Rn + bRn).
    const rzr = slice(rz, [0, 0], [hidden, 2 * hidden]);
    const rn = slice(rz, [0, 2 * hidden], [hidden, hidden]);
    const [brz, brr, brn] = split(br, 3, 0) as [Tensor, Tensor, Tensor];
    const brzr = concat([brz, brr], 0);
    return (x, [h]) => {
      const [xz, xr, xn] = split(add(matmul(x, wz), bw), 3, -1) as [Tensor, Tensor, Tensor];
      const [hz, hr] = split(add(matmul(h!, rzr), brzr), 2, -1) as [Tensor, Tensor];
      const z = sigmoid(add(xz, hz));
      const rg = sigmoid(add(xr, hr));
      const n = tanh(add(add(xn, matmul(mul(rg, h!), rn)), brn));
      return [add(mul(sub(1, z), n), mul(z, h!))];
    };
  }
  const bias = add(bih, bhh);
  const act = math.nonlinearity === 'relu' ? relu : tanh;
  return (x, [h]) => [act(add(add(matmul(x, w), matmul(h!, r)), bias))];
}
