import type { Sgemm } from '../gemm/index.js';
import { sigmoid } from './math.js';
import { mm } from './mm.js';

function columnSums(x: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(cols);
  for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) out[j]! += x[r * cols + j]!;
  return out;
}

/** Gradients through the two input projections, shared by both cells: dx, dh, dW, dR. */
function projectBack(
  gemm: Sgemm,
  x: Float32Array,
  h: Float32Array,
  w: Float32Array,
  r: Float32Array,
  dgx: Float32Array,
  dgh: Float32Array,
  batch: number,
  input: number,
  hidden: number,
  gates: number,
): { dx: Float32Array; dh: Float32Array; dw: Float32Array; dr: Float32Array } {
  const g = gates * hidden;
  return {
    dx: mm(gemm, dgx, w, batch, g, input, false, true),
    dh: mm(gemm, dgh, r, batch, g, hidden, false, true),
    dw: mm(gemm, x, dgx, input, batch, g, true, false),
    dr: mm(gemm, h, dgh, hidden, batch, g, true, false),
  };
}

/**
 * LSTM cell gradient (gate order i, f, g, o): recomputes the gates with two gemms, forms
 * the gate-preactivation gradient in one pass, then four gemms give dx, dh, dW and dR.
 */
export function lstmCellBackward(
  gemm: Sgemm,
  x: Float32Array,
  h: Float32Array,
  c: Float32Array,
  w: Float32Array,
  r: Float32Array,
  bias: Float32Array,
  dh2: Float32Array,
  dc2: Float32Array,
  batch: number,
  input: number,
  hidden: number,
): Float32Array[] {
  const g4 = 4 * hidden;
  const gx = mm(gemm, x, w, batch, input, g4, false, false);
  const gh = mm(gemm, h, r, batch, hidden, g4, false, false);
  const da = new Float32Array(batch * g4);
  const dc = new Float32Array(batch * hidden);
  for (let b = 0; b < batch; b++) {
    const row = b * g4;
    for (let j = 0; j < hidden; j++) {
      const q = row + j;
      const ig = sigmoid(gx[q]! + gh[q]! + bias[j]!);
      const fg = sigmoid(gx[q + hidden]! + gh[q + hidden]! + bias[hidden + j]!);
      const gg = Math.tanh(gx[q + 2 * hidden]! + gh[q + 2 * hidden]! + bias[2 * hidden + j]!);
      const og = sigmoid(gx[q + 3 * hidden]! + gh[q + 3 * hidden]! + bias[3 * hidden + j]!);
      const s = b * hidden + j;
      const cPrev = c[s]!;
      const tc = Math.tanh(fg * cPrev + ig * gg);
      const dhv = dh2[s]!;
      const dcv = dc2[s]! + dhv * og * (1 - tc * tc);
      da[q] = dcv * gg * ig * (1 - ig);
      da[q + hidden] = dcv * cPrev * fg * (1 - fg);
      da[q + 2 * hidden] = dcv * ig * (1 - gg * gg);
      da[q + 3 * hidden] = dhv * tc * og * (1 - og);
      dc[s] = dcv * fg;
    }
  }
  const p = projectBack(gemm, x, h, w, r, da, da, batch, input, hidden, 4);
  return [p.dx, p.dh, dc, p.dw, p.dr, columnSums(da, batch, g4)];
}

/** GRU cell gradient, linear-before-reset form (gate order z, r, n). */
export function gruCellBackward(
  gemm: Sgemm,
  x: Float32Array,
  h: Float32Array,
  w: Float32Array,
  r: Float32Array,
  bw: Float32Array,
  br: Float32Array,
  dh2: Float32Array,
  batch: number,
  input: number,
  hidden: number,
): Float32Array[] {
  const g3 = 3 * hidden;
  const gx = mm(gemm, x, w, batch, input, g3, false, false);
  const gh = mm(gemm, h, r, batch, hidden, g3, false, false);
  const dgx = new Float32Array(batch * g3);
  const dgh = new Float32Array(batch * g3);
  const dhDirect = new Float32Array(batch * hidden);
  for (let b = 0; b < batch; b++) {
    const row = b * g3;
    for (let j = 0; j < hidden; j++) {
      const q = row + j;
      const hn = gh[q + 2 * hidden]! + br[2 * hidden + j]!;
      const z = sigmoid(gx[q]! + bw[j]! + gh[q]! + br[j]!);
      const rg = sigmoid(gx[q + hidden]! + bw[hidden + j]! + gh[q + hidden]! + br[hidden + j]!);
      const n = Math.tanh(gx[q + 2 * hidden]! + bw[2 * hidden + j]! + rg * hn);
      const s = b * hidden + j;
      const dy = dh2[s]!;
      const dz = dy * (h[s]! - n) * z * (1 - z);
      const dn = dy * (1 - z) * (1 - n * n);
      const dr = dn * hn * rg * (1 - rg);
      dgx[q] = dz;
      dgx[q + hidden] = dr;
      dgx[q + 2 * hidden] = dn;
      dgh[q] = dz;
      dgh[q + hidden] = dr;
      dgh[q + 2 * hidden] = dn * rg;
      dhDirect[s] = dy * z;
    }
  }
  const p = projectBack(gemm, x, h, w, r, dgx, dgh, batch, input, hidden, 3);
  for (let i = 0; i < dhDirect.length; i++) p.dh[i]! += dhDirect[i]!;
  return [p.dx, p.dh, p.dw, p.dr, columnSums(dgx, batch, g3), columnSums(dgh, batch, g3)];
}
