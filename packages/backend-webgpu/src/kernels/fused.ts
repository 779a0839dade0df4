import { sizeOf, type AdamStepArgs, type AttentionArgs, type CrossEntropyArgs, type TensorInfo } from '@heed/core';
import { MAIN_1D, MATH, grid } from '../wgsl.js';
import { broadcastStrides, f32bits, type KernelHost } from './host.js';
import { matmul, type MatmulKernel } from './matmul.js';

/*
 * Row kernels (softmax, log-softmax, layer norm, cross-entropy, the attention softmax)
 * are written once against a few placeholders and generated in three shapes:
 * - `thread`: one invocation per row (rows in sequence models are often short, and
 *   batch·time·heads rows fill the device);
 * - `wg`: one 64-invocation workgroup per row, the invocations striding over the row and
 *   combining partial results with a shared-memory tree (6 barriers per reduction);
 * - `sg`: the same, combining with subgroup operations when the device has the
 *   `subgroups` feature: a subgroup reduction, one shared-memory slot per subgroup leader,
 *   one barrier, and each subgroup re-reducing the 64 slots (2 barriers per reduction).
 * `auto` picks by adapter, like the matmul kernel (`WebGpuBackendOptions.rowKernel`
 * forces either mapping, for tests and benches):
 * - real GPUs: a workgroup per row for rows of WIDE_ROW (256) or more, like the reduce
 *   kernel (a thread per row would leave most of the device idle at 128×768);
 * - software adapters (lavapipe, SwiftShader): a thread per row unless there are fewer
 *   than FEW_ROWS (4) rows. There a workgroup is one CPU thread running its 64
 *   invocations as SIMD lanes, so 64 rows per workgroup vectorise across rows with no
 *   barriers, while every barrier of a workgroup per row costs real time. Measured on
 *   lavapipe (2 cores; `pnpm bench rows --rows=thread,workgroup`): a workgroup per row
 *   is 1.5–2.5× slower at 128×768 and 8–32 rows of 3072, and 2–4× faster for 1–2 rows
 *   of 10,000 (which a thread per row leaves on one core, one lane).
 */

/** Rows at least this long get one 64-invocation workgroup each (real GPUs). */
const WIDE_ROW = 256;
/** On software adapters, long rows get a workgroup each only when there are fewer rows than this. */
const FEW_ROWS = 4;

type RowMode = 'thread' | 'wg' | 'sg';

function rowMode(host: KernelHost, rows: number, cols: number): RowMode {
  const wide = host.rowKernel === 'workgroup' || (host.rowKernel === 'auto' && cols >= WIDE_ROW && (!host.software || rows < FEW_ROWS));
  return !wide ? 'thread' : host.subgroups ? 'sg' : 'wg';
}

const NEG_INF = 'inf_bits(0xff800000u)';

/** row_max / row_sum: the row-wide reduction of every invocation's partial value (all invocations get the result). */
function reductions(mode: RowMode): string {
  if (mode === 'thread') {
    return `
fn row_max(v: f32) -> f32 { return v; }
fn row_sum(v: f32) -> f32 { return v; }
fn row_sum2(v: vec2<f32>) -> vec2<f32> { return v; }`;
  }
  if (mode === 'wg') {
    return `
var<workgroup> red: array<f32, 64>;
var<private> li_: u32;
fn row_max(v: f32) -> f32 {
  red[li_] = v;
  workgroupBarrier();
  for (var s = 32u; s > 0u; s = s >> 1u) {
    if (li_ < s) { red[li_] = max(red[li_], red[li_ + s]); }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}
fn row_sum(v: f32) -> f32 {
  red[li_] = v;
  workgroupBarrier();
  for (var s = 32u; s > 0u; s = s >> 1u) {
    if (li_ < s) { red[li_] = red[li_] + red[li_ + s]; }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}
var<workgroup> red2: array<vec2<f32>, 64>;
fn row_sum2(v: vec2<f32>) -> vec2<f32> {
  red2[li_] = v;
  workgroupBarrier();
  for (var s = 32u; s > 0u; s = s >> 1u) {
    if (li_ < s) { red2[li_] = red2[li_] + red2[li_ + s]; }
    workgroupBarrier();
  }
  let r = red2[0];
  workgroupBarrier();
  return r;
}`;
  }
  // Subgroup leaders (sid 0) leave their subgroup's result in their own slot, the other
  // slots hold the identity; no assumption on how subgroups map to local indices, only
  // that the workgroup is made of whole subgroups of at most 64 (checked in device.ts).
  return `
var<workgroup> red: array<f32, 64>;
var<private> li_: u32;
var<private> sid_: u32;
var<private> sg_: u32;
fn row_max(v: f32) -> f32 {
  let t = subgroupMax(v);
  red[li_] = select(${NEG_INF}, t, sid_ == 0u);
  workgroupBarrier();
  var a = ${NEG_INF};
  for (var k = sid_; k < 64u; k += sg_) { a = max(a, red[k]); }
  let r = subgroupMax(a);
  workgroupBarrier();
  return r;
}
fn row_sum(v: f32) -> f32 {
  let t = subgroupAdd(v);
  red[li_] = select(0.0, t, sid_ == 0u);
  workgroupBarrier();
  var a = 0.0;
  for (var k = sid_; k < 64u; k += sg_) { a += red[k]; }
  let r = subgroupAdd(a);
  workgroupBarrier();
  return r;
}
var<workgroup> red2: array<vec2<f32>, 64>;
fn row_sum2(v: vec2<f32>) -> vec2<f32> {
  let t = subgroupAdd(v);
  red2[li_] = select(vec2<f32>(0.0), t, sid_ == 0u);
  workgroupBarrier();
  var a = vec2<f32>(0.0);
  for (var k = sid_; k < 64u; k += sg_) { a += red2[k]; }
  let r = subgroupAdd(a);
  workgroupBarrier();
  return r;
}`;
}

/**
 * A row kernel's WGSL. `bindings` declares the buffers (the parameter words `p`
 * included: p[0] is the row count, p[nAt] the row length). `body` sees `row`, `n`, `live`
 * (false only for padding workgroups of the wide shapes, which still take part in the
 * barriers), `row_max`/`row_sum`, and the placeholders `J0`/`JS` (a loop over the
 * row: `for (var j = J0; j < n; j += JS)`) and `LEAD` (true in one invocation per row).
 * Bodies must not return early or branch around row_max/row_sum (barriers need uniform
 * control flow).
 */
function rowShader(mode: RowMode, bindings: string, nAt: number, body: string): string {
  const code = mode === 'thread'
    ? body.replaceAll('J0', '0u').replaceAll('JS', '1u').replaceAll('LEAD', 'true')
    : body.replaceAll('J0', 'li').replaceAll('JS', '64u').replaceAll('LEAD', 'li == 0u');
  const head = `${mode === 'sg' ? 'enable subgroups;\n' : ''}${bindings}
${MATH}
${reductions(mode)}`;
  if (mode === 'thread') {
    return `${head}
${MAIN_1D}
  if (i >= p[0]) { return; }
  let row = i;
  let live = true;
  let n = p[${nAt}];
${code}
}`;
  }
  return `${head}
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) li: u32${mode === 'sg' ? ', @builtin(subgroup_invocation_id) sid: u32, @builtin(subgroup_size) sg: u32' : ''}) {
  li_ = li;${mode === 'sg' ? '\n  sid_ = sid;\n  sg_ = sg;' : ''}
  let row = wid.x + wid.y * nwg.x;
  let live = row < p[0];
  let n = select(0u, p[${nAt}], live);
${code}
}`;
}

/** Workgroups for `rows` rows in `mode`. */
function rowGrid(mode: RowMode, rows: number): [number, number, number] {
  return mode === 'thread' ? grid(rows) : grid(rows, 1);
}

/**
 * Row max `m`, `s` = Σ exp(x − m) and `ls` = log s of row `row` at offset `b`. The terms
 * equal to 1 (x = m) are counted apart from the others (`t`), and log s is computed as
 * log1p((count − 1) + t): in a row dominated by one logit, s = 1 + t with t tiny, and
 * summing t onto 1 in f32 would lose most of t (log-softmax and cross-entropy of a
 * confident prediction are ≈ −t).
 */
const LSE = `
  let b = row * n;
  var mm = ${NEG_INF};
  for (var j = J0; j < n; j += JS) { mm = max(mm, x[b + j]); }
  let m = row_max(mm);
  var ct = vec2<f32>(0.0);
  for (var j = J0; j < n; j += JS) {
    let d = x[b + j] - m;
    if (d == 0.0) { ct.x += 1.0; } else { ct.y += exp(d); }
  }
  let cts = row_sum2(ct);
  let s = cts.x + cts.y;
  let ls = log1p_((cts.x - 1.0) + cts.y);`;

/** Softmax-style kernel over the last axis: `body` sees `b` (row offset), `m` (row max), `s` (Σ exp(x − m)) and `ls` (log s). */
function softmaxLike(host: KernelHost, name: string, x: TensorInfo, body: string): TensorInfo {
  const cols = x.shape.at(-1) ?? 1;
  const rows = cols === 0 ? 0 : sizeOf(x.shape) / cols;
  const out = host.out([...x.shape], 'float32');
  if (rows === 0) return out;
  const mode = rowMode(host, rows, cols);
  const pipeline = host.rt.pipeline(`${name}|${mode}`, () => rowShader(mode, `
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> p: array<u32>;`, 1, `
${LSE}
${body}`));
  host.rt.dispatch(name, pipeline, [host.buf(x), host.buf(out)], Uint32Array.of(rows, cols), rowGrid(mode, rows));
  return out;
}

export function softmax(host: KernelHost, x: TensorInfo): TensorInfo {
  return softmaxLike(host, 'softmax', x, `  let inv = 1.0 / s;
  for (var j = J0; j < n; j += JS) { out[b + j] = exp(x[b + j] - m) * inv; }`);
}

export function logSoftmax(host: KernelHost, x: TensorInfo): TensorInfo {
  return softmaxLike(host, 'logSoftmax', x, `  for (var j = J0; j < n; j += JS) { out[b + j] = (x[b + j] - m) - ls; }`);
}

/** Layer norm over the last axis: mean, then the variance as Σ(x − μ)² (two passes, no cancellation). */
export function layerNorm(host: KernelHost, x: TensorInfo, gamma: TensorInfo, beta: TensorInfo, eps: number): TensorInfo {
  const cols = x.shape.at(-1)!;
  const rows = cols === 0 ? 0 : sizeOf(x.shape) / cols;
  const out = host.out([...x.shape], 'float32');
  if (rows === 0) return out;
  const mode = rowMode(host, rows, cols);
  const pipeline = host.rt.pipeline(`layerNorm|${mode}`, () => rowShader(mode, `
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read> be: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<storage, read> p: array<u32>;`, 1, `
  let eps = bitcast<f32>(p[2]);
  let b = row * n;
  var ss = 0.0;
  for (var j = J0; j < n; j += JS) { ss += x[b + j]; }
  let mu = row_sum(ss) / f32(n);
  var vv = 0.0;
  for (var j = J0; j < n; j += JS) { let d = x[b + j] - mu; vv += d * d; }
  let inv = 1.0 / sqrt(row_sum(vv) / f32(n) + eps);
  for (var j = J0; j < n; j += JS) { out[b + j] = (x[b + j] - mu) * inv * g[j] + be[j]; }`));
  host.rt.dispatch('layerNorm', pipeline, [host.buf(x), host.buf(gamma), host.buf(beta), host.buf(out)], Uint32Array.of(rows, cols, f32bits(eps)), rowGrid(mode, rows));
  return out;
}

/** Σ (x − m) over the row, for label smoothing (every invocation takes part in the reduction). */
const SMOOTH_SUM = `
  var sx = 0.0;
  for (var j = J0; j < n; j += JS) { sx += x[b + j] - m; }
  let sm = row_sum(sx);`;

/**
 * Per-row cross-entropy (see core's `CrossEntropyArgs`): 0 where the label is the ignore
 * index, (1 − ε)·(ls − (x_y − m)) + ε·(ls − Σ(x − m)/n) otherwise, NaN for any other label
 * outside [0, n). The smoothing variant adds one row sum; ε = 0 uses a pipeline without it.
 */
export function crossEntropy(host: KernelHost, logits: TensorInfo, labels: TensorInfo, args: CrossEntropyArgs): TensorInfo {
  const [rows, cols] = logits.shape as [number, number];
  const out = host.out([rows], 'float32');
  if (rows === 0) return out;
  const mode = rowMode(host, rows, cols);
  const smooth = args.labelSmoothing > 0;
  const pipeline = host.rt.pipeline(`crossEntropy|${mode}|${smooth ? 'smooth' : 'plain'}`, () => rowShader(mode, `
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> labels: array<i32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<storage, read> p: array<u32>;`, 1, `
${LSE}
${smooth ? SMOOTH_SUM : '  let sm = 0.0;'}
  if (live && LEAD) {
    let l = labels[row];
    let ignore = bitcast<i32>(p[2]);
    let eps = bitcast<f32>(p[3]);
    if (l == ignore) {
      out[row] = 0.0;
    } else if (l < 0 || u32(l) >= n) {
      out[row] = inf_bits(0x7fc00000u);
    } else {
      let nll = ls - (x[b + u32(l)] - m);
      out[row] = select(nll, (1.0 - eps) * nll + eps * (ls - sm / f32(n)), eps > 0.0);
    }
  }`));
  const params = Uint32Array.of(rows, cols, args.ignoreIndex >>> 0, f32bits(args.labelSmoothing));
  host.rt.dispatch('crossEntropy', pipeline, [host.buf(logits), host.buf(labels), host.buf(out)], params, rowGrid(mode, rows));
  return out;
}

/**
 * The gradient of the per-row cross-entropy with respect to the logits, given dy [rows]:
 * dy·(softmax(x) − ((1 − ε)·onehot(y) + ε/n)) in one row pass after the log-sum-exp, zeros
 * in ignored rows, NaN in rows whose label is out of range (like the forward kernel).
 */
export function crossEntropyBackward(
  host: KernelHost,
  logits: TensorInfo,
  labels: TensorInfo,
  dy: TensorInfo,
  args: CrossEntropyArgs,
): TensorInfo {
  const [rows, cols] = logits.shape as [number, number];
  const out = host.out([rows, cols], 'float32');
  if (rows === 0 || cols === 0) return out;
  const mode = rowMode(host, rows, cols);
  const pipeline = host.rt.pipeline(`crossEntropyBackward|${mode}`, () => rowShader(mode, `
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> labels: array<i32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<storage, read> p: array<u32>;`, 1, `
${LSE}
  if (live) {
    let l = labels[row];
    let ignore = bitcast<i32>(p[2]);
    let eps = bitcast<f32>(p[3]);
    let bad = l != ignore && (l < 0 || u32(l) >= n);
    let d = select(dy[row], 0.0, l == ignore);
    let inv = d / s;
    let base = d * eps / f32(n);
    let hit = d * (1.0 - eps);
    for (var j = J0; j < n; j += JS) {
      var g = exp(x[b + j] - m) * inv - base;
      if (i32(j) == l) { g = g - hit; }
      out[b + j] = select(g, inf_bits(0x7fc00000u), bad);
    }
  }`));
  const params = Uint32Array.of(rows, cols, args.ignoreIndex >>> 0, f32bits(args.labelSmoothing));
  const buffers = [host.buf(logits), host.buf(labels), host.buf(dy), host.buf(out)];
  host.rt.dispatch('crossEntropyBackward', pipeline, buffers, params, rowGrid(mode, rows));
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
 * masked rows → zeros; a row kernel, so long rows get a workgroup each), and O = P·v on
 * the matmul kernel again.
 */
export function attention(host: KernelHost, kernel: MatmulKernel, args: AttentionArgs): TensorInfo {
  const [b, h, tq] = args.q.shape as [number, number, number, number];
  const tk = args.k.shape[2]!;
  const scores = matmul(host, kernel, args.q, args.k, false, true);
  const rows = b * h * tq;
  if (rows > 0 && tk > 0) {
    const hasMask = args.mask !== undefined;
    const mode = rowMode(host, rows, tk);
    const key = `maskedSoftmax|${hasMask ? 'mask' : 'nomask'}|${mode}`;
    // In place over each row of S (each invocation rewrites only the entries it read).
    const pipeline = host.rt.pipeline(key, () => rowShader(mode, `
@group(0) @binding(0) var<storage, read_write> sc: array<f32>;
${hasMask ? '@group(0) @binding(1) var<storage, read> mask: array<u32>;' : ''}
@group(0) @binding(${hasMask ? 2 : 1}) var<storage, read> p: array<u32>;
fn allowed(r: u32, j: u32) -> bool {
  let tq = p[1];
  let tk = p[2];
  let i = r % tq;
  if (p[5] != 0u && j + tq > i + tk) { return false; }
  ${hasMask ? `let bh = r / tq;
  let hh = bh % p[3];
  let bb = bh / p[3];
  return mask[bb * p[6] + hh * p[7] + i * p[8] + j * p[9]] != 0u;` : 'return true;'}
}`, 2, `
  let scale = bitcast<f32>(p[4]);
  let base = row * n;
  var mm = ${NEG_INF};
  for (var j = J0; j < n; j += JS) { if (allowed(row, j)) { mm = max(mm, sc[base + j] * scale); } }
  let m = row_max(mm);
  // A fully masked row (m = −∞) becomes zeros.
  let dead = m == ${NEG_INF};
  var zz = 0.0;
  for (var j = J0; j < n; j += JS) {
    var e = 0.0;
    if (!dead && allowed(row, j)) { e = exp(sc[base + j] * scale - m); }
    sc[base + j] = e;
    zz += e;
  }
  let z = row_sum(zz);
  let inv = select(1.0 / z, 0.0, dead);
  for (var j = J0; j < n; j += JS) { sc[base + j] = sc[base + j] * inv; }`));
    const ms = args.mask ? broadcastStrides(args.mask.shape, [b, h, tq, tk]) : [0, 0, 0, 0];
    const params = Uint32Array.of(rows, tq, tk, h, f32bits(args.scale), args.causal ? 1 : 0, ...ms);
    const bufs = [host.buf(scores), ...(args.mask ? [host.buf(args.mask)] : [])];
    host.rt.dispatch('attention softmax', pipeline, bufs, params, rowGrid(mode, rows));
  }
  const out = matmul(host, kernel, scores, args.v, false, false);
  host.release(scores);
  return out;
}
