import type { DType } from '@heed/core';

/**
 * Storage layout on the GPU: float32 → `f32`, int32 → `i32`, bool → `u32` (0 or 1, one
 * 32-bit word per element). Every element is 4 bytes, so movement kernels copy words
 * without looking at the dtype, and `read` narrows bool words back to a Uint8Array.
 */
export function wgslType(dtype: DType): 'f32' | 'i32' | 'u32' {
  return dtype === 'float32' ? 'f32' : dtype === 'int32' ? 'i32' : 'u32';
}

/** Threads per workgroup of the 1-D kernels. */
export const WG = 64;

/** Linear invocation index of a 1-D kernel dispatched over a 2-D grid (see `grid`). */
export const MAIN_1D = `@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * ${WG}u;`;

/** Workgroup counts for `n` invocations of a 1-D kernel (folded into y past the 65535 limit). */
export function grid(n: number, perGroup = WG): [number, number, number] {
  const groups = Math.max(1, Math.ceil(n / perGroup));
  const x = Math.min(groups, 65535);
  return [x, Math.ceil(groups / x), 1];
}

/**
 * Scalar helpers shared by kernels. Written out instead of WGSL builtins where the
 * builtins' precision is implementation-defined (tanh, pow of negatives, log1p) or
 * missing (erf): the conformance kit compares with float64 at rtol 1e-5.
 */
export const MATH = /* wgsl */ `
fn inf_bits(b: u32) -> f32 { var w = b; return bitcast<f32>(w); }
fn tanh_(x: f32) -> f32 {
  let ax = abs(x);
  if (ax < 0.0625) {
    let x2 = x * x;
    return x * (1.0 + x2 * (-0.33333333333 + x2 * (0.13333333333 + x2 * (-0.053968253968 + x2 * 0.021869488536))));
  }
  let e = exp(-2.0 * min(ax, 20.0));
  return sign(x) * (1.0 - e) / (1.0 + e);
}
fn sigmoid_(x: f32) -> f32 {
  if (x >= 0.0) { return 1.0 / (1.0 + exp(-x)); }
  let e = exp(x);
  return e / (1.0 + e);
}
fn log1p_(x: f32) -> f32 {
  let u = 1.0 + x;
  if (u == 1.0) { return x; }
  return log(u) * x / (u - 1.0);
}
fn erfc_(x: f32) -> f32 {
  let z = abs(x);
  let t = 1.0 / (1.0 + 0.5 * z);
  let r = t * exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return select(2.0 - r, r, x >= 0.0);
}
fn erf_(x: f32) -> f32 {
  if (abs(x) < 1.0) {
    let x2 = x * x;
    var term = x;
    var sum = x;
    for (var n = 1; n < 14; n++) {
      term = term * -x2 / f32(n);
      sum = sum + term / f32(2 * n + 1);
    }
    return 1.1283791670955126 * sum;
  }
  return 1.0 - erfc_(x);
}
fn pow_(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return 1.0; }
  if (a >= 0.0) {
    if (a == 0.0) { return select(inf_bits(0x7f800000u), 0.0, b > 0.0); }
    return exp2(b * log2(a));
  }
  if (b != floor(b)) { return inf_bits(0x7fc00000u); }
  let m = exp2(b * log2(-a));
  let odd = abs(b - 2.0 * floor(b * 0.5)) == 1.0;
  return select(m, -m, odd);
}
fn divi_(a: i32, b: i32) -> i32 {
  if (b == 0) { return 0; }
  if (b == -1) { return 0 - a; }
  return a / b;
}
fn modi_(a: i32, b: i32) -> i32 {
  if (b == 0 || b == -1) { return 0; }
  let r = a % b;
  return select(r, r + b, r != 0 && ((r < 0) != (b < 0)));
}
fn modf_(a: f32, b: f32) -> f32 {
  let r = a - b * floor(a / b);
  return r;
}
fn maxf_(a: f32, b: f32) -> f32 { return select(b, a, a > b || a != a); }
fn minf_(a: f32, b: f32) -> f32 { return select(b, a, a < b || a != a); }
fn gelu_(x: f32) -> f32 { return 0.5 * x * erfc_(-x * 0.7071067811865476); }
fn gelu_tanh_(x: f32) -> f32 { return 0.5 * x * (1.0 + tanh_(0.7978845608028654 * (x + 0.044715 * x * x * x))); }
`;
