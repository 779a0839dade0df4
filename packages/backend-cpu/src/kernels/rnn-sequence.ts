/**
 * Whole-sequence LSTM (gate order i, f, g, o) as cuDNN and onnxruntime run it: one GEMM for
 * the input projections of every step, then per step h·R added into the step's gate rows
 * and a fused cell update that leaves the activated gates for the backward pass; the
 * backward pass walks the steps in reverse for the gate gradients and dh, then forms dX,
 * dW and dR with one GEMM each over all steps. The native addon runs the same algorithm
 * (native/src/rnn.cc, recurrent weights packed once, SIMD cell); this file is the
 * WebAssembly / JS path.
 */
import type { Sgemm } from '../gemm/index.js';
import type { LstmBackwardArgs, LstmForwardArgs, LstmSavedArrays, NativeGemm } from '../native/index.js';
import { sigmoid } from './math.js';

/** Outputs of the forward pass: y [T, B, H], last h and c [B, H], activated gates [T, B, 4H], cell states [T, B, H]. */
export interface LstmSequenceOut {
  y: Float32Array;
  hLast: Float32Array;
  cLast: Float32Array;
  gates: Float32Array;
  cs: Float32Array;
}

/** Gradients: dx [T, B, I], dh0 / dc0 [B, H], dw [I, 4H], dr [H, 4H], dbias [4H]. */
export interface LstmSequenceGrads {
  dx: Float32Array;
  dh0: Float32Array;
  dc0: Float32Array;
  dw: Float32Array;
  dr: Float32Array;
  dbias: Float32Array;
}

type Dims = { T: number; B: number; I: number; H: number };

const gemm = (e: Sgemm, m: number, n: number, k: number, a: Float32Array, aOff: number, b: Float32Array, transA: boolean, transB: boolean, c: Float32Array, cOff: number): void => {
  if (m === 0 || n === 0) return;
  if (k === 0) {
    c.fill(0, cOff, cOff + m * n);
    return;
  }
  e.sgemm({ batch: 1, m, n, k, a, aOffset: aOff, aBatchStride: 0, b, bOffset: 0, bBatchStride: 0, transA, transB, c, cOffset: cOff });
};

/** Forward pass over the whole sequence (native when the addon has it). */
export function lstmSequence(
  e: Sgemm,
  d: Dims,
  x: Float32Array,
  w: Float32Array,
  r: Float32Array,
  bias: Float32Array,
  h0: Float32Array,
  c0: Float32Array,
): LstmSequenceOut {
  const { T, B, I, H } = d;
  const bh = B * H;
  const out: LstmSequenceOut = {
    y: new Float32Array(T * bh),
    hLast: new Float32Array(bh),
    cLast: new Float32Array(bh),
    gates: new Float32Array(T * B * 4 * H),
    cs: new Float32Array(T * bh),
  };
  const native = (e as Partial<NativeGemm>).lstmForward;
  if (native) {
    native({ ...d, x, w, r, bias, h0, c0, ...out } satisfies LstmForwardArgs);
    return out;
  }
  const G = 4 * H;
  const { y, gates, cs } = out;
  gemm(e, T * B, G, I, x, 0, w, false, false, gates, 0);
  const hg = new Float32Array(B * G);
  for (let t = 0; t < T; t++) {
    const hp = t ? y : h0;
    const hpOff = t ? (t - 1) * bh : 0;
    gemm(e, B, G, H, hp, hpOff, r, false, false, hg, 0);
    const cp = t ? cs : c0;
    const cpOff = t ? (t - 1) * bh : 0;
    const gOff = t * B * G;
    for (let b = 0; b < B; b++) {
      const row = gOff + b * G;
      for (let j = 0; j < H; j++) {
        const q = row + j;
        const hq = b * G + j;
        const i = sigmoid(gates[q]! + hg[hq]! + bias[j]!);
        const f = sigmoid(gates[q + H]! + hg[hq + H]! + bias[H + j]!);
        const g = Math.tanh(gates[q + 2 * H]! + hg[hq + 2 * H]! + bias[2 * H + j]!);
        const o = sigmoid(gates[q + 3 * H]! + hg[hq + 3 * H]! + bias[3 * H + j]!);
        const cn = f * cp[cpOff + b * H + j]! + i * g;
        gates[q] = i;
        gates[q + H] = f;
        gates[q + 2 * H] = g;
        gates[q + 3 * H] = o;
        cs[t * bh + b * H + j] = cn;
        y[t * bh + b * H + j] = o * Math.tanh(cn);
      }
    }
  }
  out.hLast.set(T ? y.subarray((T - 1) * bh, T * bh) : h0);
  out.cLast.set(T ? cs.subarray((T - 1) * bh, T * bh) : c0);
  return out;
}

/** Saved forward state plus the output gradients of {@link lstmSequence} (the native kernel's layout). */
export type LstmSequenceSaved = LstmSavedArrays;

/** Backpropagation through time (native when the addon has it). */
export function lstmSequenceBackward(e: Sgemm, d: Dims, s: LstmSequenceSaved): LstmSequenceGrads {
  const { T, B, I, H } = d;
  const G = 4 * H;
  const bh = B * H;
  const g: LstmSequenceGrads = {
    dx: new Float32Array(T * B * I),
    dh0: new Float32Array(bh),
    dc0: new Float32Array(bh),
    dw: new Float32Array(I * G),
    dr: new Float32Array(H * G),
    dbias: new Float32Array(G),
  };
  const native = (e as Partial<NativeGemm>).lstmBackward;
  if (native) {
    native({ ...d, ...s, ...g } satisfies LstmBackwardArgs);
    return g;
  }
  const dgates = new Float32Array(T * B * G);
  const dh = s.dhLast.slice();
  const dc = s.dcLast.slice();
  const { gates, cs } = s;
  for (let t = T - 1; t >= 0; t--) {
    const cp = t ? cs : s.c0;
    const cpOff = t ? (t - 1) * bh : 0;
    for (let b = 0; b < B; b++) {
      const row = t * B * G + b * G;
      for (let j = 0; j < H; j++) {
        const q = row + j;
        const k = b * H + j;
        const i = gates[q]!, f = gates[q + H]!, gg = gates[q + 2 * H]!, o = gates[q + 3 * H]!;
        const tc = Math.tanh(cs[t * bh + k]!);
        const dhv = dh[k]! + s.dy[t * bh + k]!;
        const dcv = dc[k]! + dhv * o * (1 - tc * tc);
        dgates[q] = dcv * gg * i * (1 - i);
        dgates[q + H] = dcv * cp[cpOff + k]! * f * (1 - f);
        dgates[q + 2 * H] = dcv * i * (1 - gg * gg);
        dgates[q + 3 * H] = dhv * tc * o * (1 - o);
        dc[k] = dcv * f;
      }
    }
    gemm(e, B, H, G, dgates, t * B * G, s.r, false, true, dh, 0);
  }
  g.dh0.set(dh);
  g.dc0.set(dc);
  gemm(e, T * B, I, G, dgates, 0, s.w, false, true, g.dx, 0);
  gemm(e, I, G, T * B, s.x, 0, dgates, true, false, g.dw, 0);
  const hprev = new Float32Array(T * bh);
  if (T > 0) hprev.set(s.h0);
  if (T > 1) hprev.set(s.y.subarray(0, (T - 1) * bh), bh);
  gemm(e, H, G, T * B, hprev, 0, dgates, true, false, g.dr, 0);
  for (let row = 0; row < T * B; row++) for (let j = 0; j < G; j++) g.dbias[j]! += dgates[row * G + j]!;
  return g;
}
