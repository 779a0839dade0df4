import { sizeOf, type AdamStepArgs, type AttentionArgs, type TensorInfo } from '@heed/core';
import { MAIN_1D, MATH, grid } from '../wgsl.js';
import { broadcastStrides, f32bits, type KernelHost } from './host.js';
import { matmul, type MatmulKernel } from './matmul.js';

/*
 * Row kernels: softmax and log-softmax switch to a workgroup per row for long rows (see
 * rowKernel); layer norm, cross-entropy and the attention softmax run one invocation per
 * row (rows in sequence models are short, and batch·time·heads rows fill the device).
 */

/** Rows at least this long get one 64-invocation workgroup each (shared-memory reductions). */
const WIDE_ROW = 256;

const WG_REDUCE = `
var<workgroup> red: array<f32, 64>;
fn wg_max(li: u32, v: f32) -> f32 {
  red[li] = v;
  workgroupBarrier();
  for (var s = 32u; s > 0u; s = s >> 1u) {
    if (li < s) { red[li] = max(red[li], red[li + s]); }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}
fn wg_sum(li: u32, v: f32) -> f32 {
  red[li] = v;
  workgroupBarrier();
  for (var s = 32u; s > 0u; s = s >> 1u) {
    if (li < s) { red[li] = red[li] + red[li + s]; }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}`;

/**
 * A per-row kernel: short rows run one invocation per row; rows of WIDE_ROW or more run
 * one workgroup per row, 64 invocations striding over the row with shared-memory
 * reductions. `body` sees `m` (row max) and `s` (Σ exp(x − m)) and writes the row with
 * a loop `for (var j = J0; j < n; j += JS)`.
 */
function rowKernel(host: KernelHost, name: string, x: TensorInfo, body: string): TensorInfo {
  const cols = x.shape.at(-1) ?? 1;
  const rows = cols === 0 ? 0 : sizeOf(x.shape) / cols;
  const out = host.out([...x.shape], 'float32');
  if (rows === 0) return out;
  const wide = cols >= WIDE_ROW;
  const header = `
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> p: array<u32>;
${MATH}`;
  const pipeline = host.rt.pipeline(`${name}|${wide ? 'wg' : 't'}`, () =>
    wide
      ? `${header}
${WG_REDUCE}
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let row = wid.x + wid.y * nwg.x;
  let live = row < p[0];
  let n = select(0u, p[1], live);
  let b = row * p[1];
  var mm = inf_bits(0xff800000u);
  for (var j = li; j < n; j += 64u) { mm = max(mm, x[b + j]); }
  let m = wg_max(li, mm);
  var ss = 0.0;
  for (var j = li; j < n; j += 64u) { ss += exp(x[b + j] - m); }
  let s = wg_sum(li, ss);
${body.replaceAll('J0', 'li').replaceAll('JS', '64u')}
}`
      : `${header}
${MAIN_1D}
  if (i >= p[0]) { return; }
  let n = p[1];
  let b = i * n;
  var m = inf_bits(0xff800000u);
  for (var j = 0u; j < n; j++) { m = max(m, x[b + j]); }
  var s = 0.0;
  for (var j = 0u; j < n; j++) { s += exp(x[b + j] - m); }
${body.replaceAll('J0', '0u').replaceAll('JS', '1u')}
}`,
  );
  host.rt.dispatch(name, pipeline, [host.buf(x), host.buf(out)], Uint32Array.of(rows, cols), wide ? grid(rows, 1) : grid(rows));
  return out;
}

export function softmax(host: KernelHost, x: TensorInfo): TensorInfo {
  return rowKernel(host, 'softmax', x, `  let inv = 1.0 / s;
  for (var j = J0; j < n; j += JS) { out[b + j] = exp(x[b + j] - m) * inv; }`);
}

export function logSoftmax(host: KernelHost, x: TensorInfo): TensorInfo {
  return rowKernel(host, 'logSoftmax', x, `  let ls = log(s);
  for (var j = J0; j < n; j += JS) { out[b + j] = (x[b + j] - m) - ls; }`);
}

export function layerNorm(host: KernelHost, x: TensorInfo, gamma: TensorInfo, beta: TensorInfo, eps: number): TensorInfo {
  const cols = x.shape.at(-1)!;
  const rows = cols === 0 ? 0 : sizeOf(x.shape) / cols;
  const out = host.out([...x.shape], 'float32');
  if (rows === 0) return out;
  const pipeline = host.rt.pipeline('layerNorm', () => `
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read> be: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<storage, read> p: array<u32>;
${MAIN_1D}
  if (i >= p[0]) { return; }
  let n = p[1];
  let eps = bitcast<f32>(p[2]);
  let b = i * n;
  var s = 0.0;
  for (var j = 0u; j < n; j++) { s += x[b + j]; }
  let mu = s / f32(n);
  var v = 0.0;
  for (var j = 0u; j < n; j++) { let d = x[b + j] - mu; v += d * d; }
  let inv = 1.0 / sqrt(v / f32(n) + eps);
  for (var j = 0u; j < n; j++) { out[b + j] = (x[b + j] - mu) * inv * g[j] + be[j]; }
}`);
  host.rt.dispatch('layerNorm', pipeline, [host.buf(x), host.buf(gamma), host.buf(beta), host.buf(out)], Uint32Array.of(rows, cols, f32bits(eps)), grid(rows));
  return out;
}

export function crossEntropy(host: KernelHost, logits: TensorInfo, labels: TensorInfo): TensorInfo {
  const [rows, cols] = logits.shape as [number, number];
  const out = host.out([rows], 'float32');
  if (rows === 0) return out;
  const pipeline = host.rt.pipeline('crossEntropy', () => `
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> labels: array<i32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<storage, read> p: array<u32>;
${MATH}
${MAIN_1D}
  if (i >= p[0]) { return; }
  let n = p[1];
  let b = i * n;
  var m = inf_bits(0xff800000u);
  for (var j = 0u; j < n; j++) { m = max(m, x[b + j]); }
  var s = 0.0;
  for (var j = 0u; j < n; j++) { s += exp(x[b + j] - m); }
  let l = labels[i];
  if (l < 0 || u32(l) >= n) { out[i] = inf_bits(0x7fc00000u); return; }
  out[i] = log(s) - (x[b + u32(l)] - m);
}`);
  host.rt.dispatch('crossEntropy', pipeline, [host.buf(logits), host.buf(labels), host.buf(out)], Uint32Array.of(rows, cols), grid(rows));
  return out;
}

export function adamStep(host: KernelHost, param: TensorInfo, grad: TensorInfo, m: TensorInfo, v: TensorInfo, args: AdamStepArgs): [TensorInfo, TensorInfo, TensorInfo] {
  const n = sizeOf(param.shape);
  const outs = [host.out([...param.shape], 'float32'), host.out([...param.shape], 'float32'), host.out([...param.shape], 'float32')] as [TensorInfo, TensorInfo, TensorInfo];
  if (n === 0) return outs;
  const pipeline = host.rt.pipeline('adamStep', () => `
@group(0) @binding(0) var<storage, read> pa: array<f32>;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read> m: array<f32>;
@group(0) @binding(3) var<storage, read> v: array<f32>;
@group(0) @binding(4) var<storage, read_write> po: array<f32>;
@group(0) @binding(5) var<storage, read_write> mo: array<f32>;
@group(0) @binding(6) var<storage, read_write> vo: array<f32>;
@group(0) @binding(7) var<storage, read> p: array<u32>;
${MAIN_1D}
  if (i >= p[0]) { return; }
  let lr = bitcast<f32>(p[1]);
  let b1 = bitcast<f32>(p[2]);
  let b2 = bitcast<f32>(p[3]);
  let eps = bitcast<f32>(p[4]);
  let c1 = bitcast<f32>(p[5]);
  let c2 = bitcast<f32>(p[6]);
  let wd = bitcast<f32>(p[7]);
  let gi = g[i];
  let m2 = b1 * m[i] + (1.0 - b1) * gi;
  let v2 = b2 * v[i] + (1.0 - b2) * gi * gi;
  let w = pa[i];
  po[i] = w - lr * (m2 / c1) / (sqrt(v2 / c2) + eps) - lr * wd * w;
  mo[i] = m2;
  vo[i] = v2;
}`);
  const params = Uint32Array.of(n, ...[args.lr, args.beta1, args.beta2, args.epsilon, args.c1, args.c2, args.weightDecay].map(f32bits));
  host.rt.dispatch('adamStep', pipeline, [host.buf(param), host.buf(grad), host.buf(m), host.buf(v), ...outs.map((o) => host.buf(o))], params, grid(n));
  return outs;
}

/**
 * Scaled dot-product attention as three kernels: S = q·kᵀ on the adapter's matmul
 * kernel (register-blocked or tiled, see matmul.ts), a masked, scaled softmax over each
 * row of S in place (bool mask broadcast by strides, causal limit j ≤ i + tk − tq, fully
 * masked rows → zeros), and O = P·v on the matmul kernel again.
 */
export function attention(host: KernelHost, kernel: MatmulKernel, args: AttentionArgs): TensorInfo {
  const [b, h, tq] = args.q.shape as [number, number, number, number];
  const tk = args.k.shape[2]!;
  const scores = matmul(host, kernel, args.q, args.k, false, true);
  const rows = b * h * tq;
  if (rows > 0 && tk > 0) {
    const hasMask = args.mask !== undefined;
    const key = `maskedSoftmax|${hasMask ? 'mask' : 'nomask'}`;
    const pipeline = host.rt.pipeline(key, () => `
@group(0) @binding(0) var<storage, read_write> s: array<f32>;
${hasMask ? '@group(0) @binding(1) var<storage, read> mask: array<u32>;' : ''}
@group(0) @binding(${hasMask ? 2 : 1}) var<storage, read> p: array<u32>;
${MATH}
fn allowed(r: u32, j: u32) -> bool {
  let tq = p[1];
  let tk = p[2];
  let i = r % tq;
  if (p[5] != 0u && j + tq > i + tk) { return false; }
  ${hasMask ? `let bh = r / tq;
  let hh = bh % p[3];
  let bb = bh / p[3];
  return mask[bb * p[6] + hh * p[7] + i * p[8] + j * p[9]] != 0u;` : 'return true;'}
}
${MAIN_1D}
  if (i >= p[0]) { return; }
  let tk = p[2];
  let scale = bitcast<f32>(p[4]);
  let base = i * tk;
  var m = inf_bits(0xff800000u);
  for (var j = 0u; j < tk; j++) { if (allowed(i, j)) { m = max(m, s[base + j] * scale); } }
  if (m == inf_bits(0xff800000u)) {
    for (var j = 0u; j < tk; j++) { s[base + j] = 0.0; }
    return;
  }
  var z = 0.0;
  for (var j = 0u; j < tk; j++) {
    var e = 0.0;
    if (allowed(i, j)) { e = exp(s[base + j] * scale - m); }
    s[base + j] = e;
    z += e;
  }
  let inv = 1.0 / z;
  for (var j = 0u; j < tk; j++) { s[base + j] = s[base + j] * inv; }
}`);
    const ms = args.mask ? broadcastStrides(args.mask.shape, [b, h, tq, tk]) : [0, 0, 0, 0];
    const params = Uint32Array.of(rows, tq, tk, h, f32bits(args.scale), args.causal ? 1 : 0, ...ms);
    const bufs = [host.buf(scores), ...(args.mask ? [host.buf(args.mask)] : [])];
    host.rt.dispatch('attention softmax', pipeline, bufs, params, grid(rows));
  }
  const out = matmul(host, kernel, scores, args.v, false, false);
  host.release(scores);
  return out;
}
