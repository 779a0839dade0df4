// Row kernels (softmax, log-softmax, layer norm) and elementwise kernels (GELU, exp,
// sigmoid, tanh) over float32 data in the shared memory. A row job is split into tasks of
// whole rows; the same task loop as the GEMM (asm/index.ts) hands them to the threads.
// src/gemm/layout.ts mirrors the op codes.
//
// Rows are processed in place or out of place (y may equal x); each row belongs to one task.
// Reductions accumulate in float32 lanes (two vectors, eight partial sums) and combine the
// lanes in float64; layer norm corrects its mean with a second pass (so rows far from zero
// keep their accuracy) and subtracts the mean split into two floats.

import { madd, splat, vexp, vgeluExact, vgeluTanh, vsigmoid, vtanh } from './vmath';

// @ts-ignore: decorator
@inline export const OP_SOFTMAX = 0;
// @ts-ignore: decorator
@inline export const OP_LOG_SOFTMAX = 1;
// @ts-ignore: decorator
@inline export const OP_LAYER_NORM = 2;
// @ts-ignore: decorator
@inline export const OP_GELU = 3;
// @ts-ignore: decorator
@inline export const OP_GELU_TANH = 4;
// @ts-ignore: decorator
@inline export const OP_EXP = 5;
// @ts-ignore: decorator
@inline export const OP_SIGMOID = 6;
// @ts-ignore: decorator
@inline export const OP_TANH = 7;

// @ts-ignore: decorator
@inline function hsum(v: v128): f64 {
  return (<f64>f32x4.extract_lane(v, 0) + <f64>f32x4.extract_lane(v, 1)) + (<f64>f32x4.extract_lane(v, 2) + <f64>f32x4.extract_lane(v, 3));
}

// @ts-ignore: decorator
@inline function hmax(v: v128): f32 {
  const a = f32x4.extract_lane(v, 0), b = f32x4.extract_lane(v, 1), c = f32x4.extract_lane(v, 2), d = f32x4.extract_lane(v, 3);
  const ab = b > a ? b : a, cd = d > c ? d : c;
  return cd > ab ? cd : ab;
}

/**
 * Natural log of a positive finite double without lookup tables (the standard library's
 * log keeps tables in a data segment, and this module's memory is the caller's scratch
 * space): s = m·2^e with m ∈ [√½, √2), ln m = 2·atanh(u), u = (m − 1)/(m + 1), |u| < 0.172,
 * by its odd series to u¹⁵ (error < 1e-13). Non-positive, infinite or NaN inputs go to
 * the IEEE results (−Inf for 0, NaN below 0, Inf for Inf).
 */
function logPositive(s: f64): f64 {
  if (!(s > 0.0) || s == Infinity) return s == 0.0 ? -Infinity : s == Infinity ? s : NaN;
  let bits = reinterpret<i64>(s);
  let e = <i32>((bits >> 52) & 0x7ff);
  if (e == 0) {
    // Subnormal: scale up by 2^54.
    bits = reinterpret<i64>(s * 18014398509481984.0);
    e = <i32>((bits >> 52) & 0x7ff) - 54;
  }
  e -= 1023;
  let m = reinterpret<f64>((bits & 0x000fffffffffffff) | 0x3ff0000000000000);
  if (m > 1.4142135623730951) {
    m *= 0.5;
    e++;
  }
  const u = (m - 1.0) / (m + 1.0);
  const u2 = u * u;
  const series = u * (2.0 + u2 * (2.0 / 3 + u2 * (2.0 / 5 + u2 * (2.0 / 7 + u2 * (2.0 / 9 + u2 * (2.0 / 11 + u2 * (2.0 / 13 + u2 * (2.0 / 15))))))));
  return <f64>e * 0.6931471805599453 + series;
}

/**
 * Largest element of a row, NaNs skipped (pmax is one instruction where max needs a
 * NaN-fixing sequence): a NaN still turns the whole row to NaN through e^(NaN − m) in the
 * sum, as in the JS kernels.
 */
function rowMax(x: usize, cols: i32): f32 {
  let m0 = splat(-Infinity), m1 = splat(-Infinity);
  let j = 0;
  for (; j + 8 <= cols; j += 8) {
    const p = x + (<usize>j << 2);
    m0 = f32x4.pmax(m0, v128.load(p));
    m1 = f32x4.pmax(m1, v128.load(p, 16));
  }
  let m = hmax(f32x4.pmax(m0, m1));
  for (; j < cols; j++) {
    const v = load<f32>(x + (<usize>j << 2));
    if (v > m) m = v;
  }
  return m;
}

/**
 * Σ e^(x − m) over a row; stores the exponentials in y when `keep`. The terms equal to 1
 * (the row's maxima) are counted apart from the rest, which is summed in f32 lanes: added
 * onto a 1, the small terms of a confident row would be rounded away (its log-sum-exp, and
 * a cross-entropy near 0, would lose all relative accuracy).
 */
// @ts-ignore: decorator
@inline function rowSumExp(x: usize, y: usize, cols: i32, m: f32, keep: bool): f64 {
  const mv = splat(m);
  const zero = splat(0);
  let s0 = splat(0), s1 = splat(0);
  let c0 = i32x4.splat(0), c1 = i32x4.splat(0);
  let j = 0;
  for (; j + 8 <= cols; j += 8) {
    const off = <usize>j << 2;
    const d0 = f32x4.sub(v128.load(x + off), mv);
    const d1 = f32x4.sub(v128.load(x + off, 16), mv);
    const e0 = vexp(d0);
    const e1 = vexp(d1);
    if (keep) {
      v128.store(y + off, e0);
      v128.store(y + off, e1, 16);
    }
    const one0 = f32x4.eq(d0, zero);
    const one1 = f32x4.eq(d1, zero);
    s0 = f32x4.add(s0, v128.andnot(e0, one0));
    s1 = f32x4.add(s1, v128.andnot(e1, one1));
    c0 = i32x4.sub(c0, one0); // a true lane is −1
    c1 = i32x4.sub(c1, one1);
  }
  const c = i32x4.add(c0, c1);
  let ones = <f64>(i32x4.extract_lane(c, 0) + i32x4.extract_lane(c, 1) + i32x4.extract_lane(c, 2) + i32x4.extract_lane(c, 3));
  let s = hsum(f32x4.add(s0, s1));
  for (; j < cols; j++) {
    const off = <usize>j << 2;
    const d = load<f32>(x + off) - m;
    const e = f32x4.extract_lane(vexp(splat(d)), 0);
    if (keep) store<f32>(y + off, e);
    if (d == 0) ones += 1.0;
    else s += <f64>e;
  }
  return ones + s;
}

function softmaxRow(x: usize, y: usize, cols: i32): void {
  const m = rowMax(x, cols);
  const inv = <f32>(1.0 / rowSumExp(x, y, cols, m, true));
  const iv = splat(inv);
  let j = 0;
  for (; j + 4 <= cols; j += 4) {
    const p = y + (<usize>j << 2);
    v128.store(p, f32x4.mul(v128.load(p), iv));
  }
  for (; j < cols; j++) {
    const p = y + (<usize>j << 2);
    store<f32>(p, load<f32>(p) * inv);
  }
}

function logSoftmaxRow(x: usize, y: usize, cols: i32): void {
  const m = rowMax(x, cols);
  const ls = <f32>logPositive(rowSumExp(x, y, cols, m, false));
  const mv = splat(m), lv = splat(ls);
  let j = 0;
  for (; j + 4 <= cols; j += 4) {
    const off = <usize>j << 2;
    v128.store(y + off, f32x4.sub(f32x4.sub(v128.load(x + off), mv), lv));
  }
  for (; j < cols; j++) {
    const off = <usize>j << 2;
    store<f32>(y + off, (load<f32>(x + off) - m) - ls);
  }
}

function layerNormRow(x: usize, y: usize, cols: i32, g: usize, b: usize, eps: f32): void {
  // Pass 1: a first mean.
  let a0 = splat(0), a1 = splat(0);
  let j = 0;
  for (; j + 8 <= cols; j += 8) {
    const p = x + (<usize>j << 2);
    a0 = f32x4.add(a0, v128.load(p));
    a1 = f32x4.add(a1, v128.load(p, 16));
  }
  let total = hsum(f32x4.add(a0, a1));
  for (; j < cols; j++) total += <f64>load<f32>(x + (<usize>j << 2));
  const n = <f64>cols;
  const m1 = <f32>(total / n);
  // Pass 2: Σd and Σd² for d = x − m1 (Σd corrects the mean, Σd² gives the variance).
  const m1v = splat(m1);
  let d0 = splat(0), d1 = splat(0), q0 = splat(0), q1 = splat(0);
  j = 0;
  for (; j + 8 <= cols; j += 8) {
    const p = x + (<usize>j << 2);
    const e0 = f32x4.sub(v128.load(p), m1v);
    const e1 = f32x4.sub(v128.load(p, 16), m1v);
    d0 = f32x4.add(d0, e0);
    d1 = f32x4.add(d1, e1);
    q0 = madd(e0, e0, q0);
    q1 = madd(e1, e1, q1);
  }
  let sd = hsum(f32x4.add(d0, d1));
  let sq = hsum(f32x4.add(q0, q1));
  for (; j < cols; j++) {
    const d = <f64>(load<f32>(x + (<usize>j << 2)) - m1);
    sd += d;
    sq += d * d;
  }
  const corr = sd / n;
  const mean = <f64>m1 + corr;
  const variance = max(sq / n - corr * corr, 0.0);
  const rstd = <f32>(1.0 / sqrt<f64>(variance + <f64>eps));
  const hi = <f32>mean;
  const lo = <f32>(mean - <f64>hi);
  // Pass 3: y = (x − mean)·rstd·γ + β.
  const hv = splat(hi), lv = splat(lo), rv = splat(rstd);
  j = 0;
  for (; j + 4 <= cols; j += 4) {
    const off = <usize>j << 2;
    const d = f32x4.sub(f32x4.sub(v128.load(x + off), hv), lv);
    v128.store(y + off, madd(f32x4.mul(d, rv), v128.load(g + off), v128.load(b + off)));
  }
  for (; j < cols; j++) {
    const off = <usize>j << 2;
    store<f32>(y + off, ((load<f32>(x + off) - hi) - lo) * rstd * load<f32>(g + off) + load<f32>(b + off));
  }
}

// @ts-ignore: decorator
@inline function unary(op: i32, v: v128): v128 {
  if (op == OP_GELU) return vgeluExact(v);
  if (op == OP_GELU_TANH) return vgeluTanh(v);
  if (op == OP_EXP) return vexp(v);
  if (op == OP_SIGMOID) return vsigmoid(v);
  return vtanh(v);
}

/** An elementwise op over elements [i0, i1); one loop per op, so the op test is hoisted. */
// @ts-ignore: decorator
@inline function mapRange(op: i32, x: usize, y: usize, i0: i32, i1: i32): void {
  let i = i0;
  // Two independent vectors per iteration: the polynomial chains are latency-bound.
  for (; i + 8 <= i1; i += 8) {
    const off = <usize>i << 2;
    const a = unary(op, v128.load(x + off));
    const b = unary(op, v128.load(x + off, 16));
    v128.store(y + off, a);
    v128.store(y + off, b, 16);
  }
  for (; i + 4 <= i1; i += 4) {
    const off = <usize>i << 2;
    v128.store(y + off, unary(op, v128.load(x + off)));
  }
  for (; i < i1; i++) {
    const off = <usize>i << 2;
    store<f32>(y + off, f32x4.extract_lane(unary(op, splat(load<f32>(x + off))), 0));
  }
}

/**
 * Runs `op` over rows [r0, r1) of a rows × cols float32 matrix at x, writing y (which may be
 * x). Row ops: softmax, log-softmax, layer norm (γ at g, β at b, ε = eps). Elementwise ops
 * (GELU, GELU-tanh, exp, sigmoid, tanh) see the data as rows of `cols` elements of which
 * only the first `count` in all exist (the last row may be short).
 */
export function rowOp(op: i32, x: usize, y: usize, r0: i32, r1: i32, cols: i32, count: i32, g: usize, b: usize, eps: f32): void {
  if (op >= OP_GELU) {
    const i0 = r0 * cols, i1 = min(r1 * cols, count);
    if (op == OP_GELU) mapRange(OP_GELU, x, y, i0, i1);
    else if (op == OP_GELU_TANH) mapRange(OP_GELU_TANH, x, y, i0, i1);
    else if (op == OP_EXP) mapRange(OP_EXP, x, y, i0, i1);
    else if (op == OP_SIGMOID) mapRange(OP_SIGMOID, x, y, i0, i1);
    else mapRange(OP_TANH, x, y, i0, i1);
    return;
  }
  const rowBytes = <usize>cols << 2;
  for (let r = r0; r < r1; r++) {
    const xr = x + <usize>r * rowBytes, yr = y + <usize>r * rowBytes;
    if (op == OP_SOFTMAX) softmaxRow(xr, yr, cols);
    else if (op == OP_LOG_SOFTMAX) logSoftmaxRow(xr, yr, cols);
    else layerNormRow(xr, yr, cols, g, b, eps);
  }
}
