import type { Sgemm } from '../gemm/index.js';
import { sigmoid } from './math.js';
import { mm } from './mm.js';

/** One LSTM step (gate order i, f, g, o): two gemms, then one fused pass over the gates. */
export function lstmCell(
  gemm: Sgemm,
  x: Float32Array,
  h: Float32Array,
  c: Float32Array,
  w: Float32Array,
  r: Float32Array,
  bias: Float32Array,
  batch: number,
  input: number,
  hidden: number,
): [Float32Array, Float32Array] {
  const g4 = 4 * hidden;
  const gx = mm(gemm, x, w, batch, input, g4);
  const gh = mm(gemm, h, r, batch, hidden, g4);
  const h2 = new Float32Array(batch * hidden);
  const c2 = new Float32Array(batch * hidden);
  // Plain index arithmetic (no per-element closures: transpilers wrap each closure
  // creation in a helper call, which dominated this loop).
  for (let bi = 0; bi < batch; bi++) {
    const row = bi * g4;
    for (let j = 0; j < hidden; j++) {
      const gi = row + j;
      const ig = sigmoid(gx[gi]! + gh[gi]! + bias[j]!);
      const fg = sigmoid(gx[gi + hidden]! + gh[gi + hidden]! + bias[hidden + j]!);
      const gg = Math.tanh(gx[gi + 2 * hidden]! + gh[gi + 2 * hidden]! + bias[2 * hidden + j]!);
      const og = sigmoid(gx[gi + 3 * hidden]! + gh[gi + 3 * hidden]! + bias[3 * hidden + j]!);
      const cNew = fg * c[bi * hidden + j]! + ig * gg;
      c2[bi * hidden + j] = cNew;
      h2[bi * hidden + j] = og * Math.tanh(cNew);
    }
  }
  return [h2, c2];
}

/** One GRU step, linear-before-reset form (gate order z, r, n). */
export function gruCell(
  gemm: Sgemm,
  x: Float32Array,
  h: Float32Array,
  w: Float32Array,
  r: Float32Array,
  bw: Float32Array,
  br: Float32Array,
  batch: number,
  input: number,
  hidden: number,
): Float32Array {
  const g3 = 3 * hidden;
  const gx = mm(gemm, x, w, batch, input, g3);
  const gh = mm(gemm, h, r, batch, hidden, g3);
  const out = new Float32Array(batch * hidden);
  for (let bi = 0; bi < batch; bi++) {
    const row = bi * g3;
    for (let j = 0; j < hidden; j++) {
      const xz = gx[row + j]! + bw[j]!;
      const xr = gx[row + hidden + j]! + bw[hidden + j]!;
      const xn = gx[row + 2 * hidden + j]! + bw[2 * hidden + j]!;
      const hz = gh[row + j]! + br[j]!;
      const hr = gh[row + hidden + j]! + br[hidden + j]!;
      const hn = gh[row + 2 * hidden + j]! + br[2 * hidden + j]!;
      const z = sigmoid(xz + hz);
      const rg = sigmoid(xr + hr);
      const n = Math.tanh(xn + rg * hn);
      out[bi * hidden + j] = (1 - z) * n + z * h[bi * hidden + j]!;
    }
  }
  return out;
}
