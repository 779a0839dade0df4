import type { TensorInfo } from '@heed/core';
import { MAIN_1D, MATH, grid } from '../wgsl.js';
import type { KernelHost } from './host.js';
import { matmul, type MatmulKernel } from './matmul.js';

/*
 * Recurrent cells: the two projections run on the adapter's matmul kernel, then one
 * elementwise kernel applies biases and gates (instead of a dozen composite kernels).
 */

/** One LSTM step (gate order i, f, g, o); returns [h', c']. */
export function lstmCell(host: KernelHost, kernel: MatmulKernel, x: TensorInfo, h: TensorInfo, c: TensorInfo, w: TensorInfo, r: TensorInfo, bias: TensorInfo): [TensorInfo, TensorInfo] {
  const [batch, hidden] = h.shape as [number, number];
  const gx = matmul(host, kernel, x, w, false, false);
  const gh = matmul(host, kernel, h, r, false, false);
  const hOut = host.out([batch, hidden], 'float32');
  const cOut = host.out([batch, hidden], 'float32');
  const n = batch * hidden;
  if (n > 0) {
    const pipeline = host.rt.pipeline('lstmGates', () => `
@group(0) @binding(0) var<storage, read> gx: array<f32>;
@group(0) @binding(1) var<storage, read> gh: array<f32>;
@group(0) @binding(2) var<storage, read> c: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> hOut: array<f32>;
@group(0) @binding(5) var<storage, read_write> cOut: array<f32>;
@group(0) @binding(6) var<storage, read> p: array<u32>;
${MATH}
fn gate(row: u32, q: u32, j: u32, H: u32) -> f32 {
  let at = row * 4u * H + q * H + j;
  return gx[at] + gh[at] + bias[q * H + j];
}
${MAIN_1D}
  if (i >= p[0]) { return; }
  let H = p[1];
  let row = i / H;
  let j = i % H;
  let c2 = sigmoid_(gate(row, 1u, j, H)) * c[i] + sigmoid_(gate(row, 0u, j, H)) * tanh_(gate(row, 2u, j, H));
  cOut[i] = c2;
  hOut[i] = sigmoid_(gate(row, 3u, j, H)) * tanh_(c2);
}`);
    host.rt.dispatch('lstmCell', pipeline, [host.buf(gx), host.buf(gh), host.buf(c), host.buf(bias), host.buf(hOut), host.buf(cOut)], Uint32Array.of(n, hidden), grid(n));
  }
  host.release(gx);
  host.release(gh);
  return [hOut, cOut];
}

/** One GRU step (linear-before-reset; gate order z, r, n); returns h'. */
export function gruCell(host: KernelHost, kernel: MatmulKernel, x: TensorInfo, h: TensorInfo, w: TensorInfo, r: TensorInfo, bw: TensorInfo, br: TensorInfo): TensorInfo {
  const [batch, hidden] = h.shape as [number, number];
  const gx = matmul(host, kernel, x, w, false, false);
  const gh = matmul(host, kernel, h, r, false, false);
  const out = host.out([batch, hidden], 'float32');
  const n = batch * hidden;
  if (n > 0) {
    const pipeline = host.rt.pipeline('gruGates', () => `
@group(0) @binding(0) var<storage, read> gx: array<f32>;
@group(0) @binding(1) var<storage, read> gh: array<f32>;
@group(0) @binding(2) var<storage, read> h: array<f32>;
@group(0) @binding(3) var<storage, read> bw: array<f32>;
@group(0) @binding(4) var<storage, read> br: array<f32>;
@group(0) @binding(5) var<storage, read_write> out: array<f32>;
@group(0) @binding(6) var<storage, read> p: array<u32>;
${MATH}
${MAIN_1D}
  if (i >= p[0]) { return; }
  let H = p[1];
  let row = i / H;
  let j = i % H;
  let base = row * 3u * H + j;
  let z = sigmoid_(gx[base] + bw[j] + gh[base] + br[j]);
  let rr = sigmoid_(gx[base + H] + bw[H + j] + gh[base + H] + br[H + j]);
  let nn = tanh_(gx[base + 2u * H] + bw[2u * H + j] + rr * (gh[base + 2u * H] + br[2u * H + j]));
  out[i] = (1.0 - z) * nn + z * h[i];
}`);
    host.rt.dispatch('gruCell', pipeline, [host.buf(gx), host.buf(gh), host.buf(h), host.buf(bw), host.buf(br), host.buf(out)], Uint32Array.of(n, hidden), grid(n));
  }
  host.release(gx);
  host.release(gh);
  return out;
}
