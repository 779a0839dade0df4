// Vectorised float32 math for the row and elementwise kernels (asm/rows.ts): exp, the
// complementary error function (for exact GELU), tanh and the logistic sigmoid, four lanes
// at a time. Accuracy: exp ~2 ulp, erfc ~3e-7 relative (Numerical Recipes' Chebyshev
// fit, as in src/kernels/math.ts), tanh/sigmoid a few ulp. NaN propagates through all.

// `FMA` is given by the build (`asc --use FMA=1`): 1 = relaxed-SIMD fused multiply-add.
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (FMA) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

// @ts-ignore: decorator
@inline export function splat(v: f32): v128 {
  return f32x4.splat(v);
}

/** ln(FLT_MAX): above it exp overflows to +Infinity. */
// @ts-ignore: decorator
@inline const EXP_HI: f32 = 88.72283935546875;
/** ln(2^-150): below it exp rounds to 0. */
// @ts-ignore: decorator
@inline const EXP_LO: f32 = -103.97208404541016;

/**
 * eˣ per lane: x = n·ln2 + r with |r| ≤ ln2/2 (ln2 split in two so n·ln2_hi is exact),
 * eʳ by Cephes' degree-7 polynomial, 2ⁿ from exponent bits applied in two halves so that
 * n ∈ [-150, 128] stays in range (subnormal results round correctly). +Inf above ln(FLT_MAX),
 * 0 below ln(2^-150) (−Infinity included), NaN stays NaN (wasm min/max propagate it).
 */
// @ts-ignore: decorator
@inline export function vexp(x: v128): v128 {
  const xc = f32x4.max(f32x4.min(x, splat(88.75)), splat(-104.0));
  const fn = f32x4.nearest(f32x4.mul(xc, splat(1.44269504088896341)));
  let r = madd(fn, splat(-0.693359375), xc);
  r = madd(fn, splat(2.12194440e-4), r);
  let p = splat(1.9875691500e-4);
  p = madd(p, r, splat(1.3981999507e-3));
  p = madd(p, r, splat(8.3334519073e-3));
  p = madd(p, r, splat(4.1665795894e-2));
  p = madd(p, r, splat(1.6666665459e-1));
  p = madd(p, r, splat(5.0000001201e-1));
  p = madd(p, f32x4.mul(r, r), f32x4.add(r, splat(1)));
  const n = i32x4.trunc_sat_f32x4_s(fn);
  const n1 = i32x4.shr_s(n, 1);
  const n2 = i32x4.sub(n, n1);
  const s1 = i32x4.shl(i32x4.add(n1, i32x4.splat(127)), 23);
  const s2 = i32x4.shl(i32x4.add(n2, i32x4.splat(127)), 23);
  let y = f32x4.mul(f32x4.mul(p, s1), s2);
  y = v128.bitselect(splat(Infinity), y, f32x4.gt(x, splat(EXP_HI)));
  return v128.andnot(y, f32x4.lt(x, splat(EXP_LO)));
}

/**
 * erfc(z) for z ≥ 0 (the caller reflects negative arguments: erfc(−z) = 2 − erfc(z)):
 * t = 1/(1 + z/2), erfc z = t·exp(−z² − 1.26551223 + t·P(t)), P of degree 8.
 */
// @ts-ignore: decorator
@inline export function verfcAbs(z: v128): v128 {
  const t = f32x4.div(splat(1), madd(z, splat(0.5), splat(1)));
  let p = splat(0.17087277);
  p = madd(p, t, splat(-0.82215223));
  p = madd(p, t, splat(1.48851587));
  p = madd(p, t, splat(-1.13520398));
  p = madd(p, t, splat(0.27886807));
  p = madd(p, t, splat(-0.18628806));
  p = madd(p, t, splat(0.09678418));
  p = madd(p, t, splat(0.37409196));
  p = madd(p, t, splat(1.00002368));
  p = madd(p, t, splat(-1.26551223));
  const arg = f32x4.sub(p, f32x4.mul(z, z));
  return f32x4.mul(t, vexp(arg));
}

/** Exact GELU: x·Φ(x) = ½·x·erfc(−x/√2). */
// @ts-ignore: decorator
@inline export function vgeluExact(x: v128): v128 {
  const z = f32x4.mul(f32x4.abs(x), splat(0.70710678118654752));
  const e = verfcAbs(z);
  // erfc(−x/√2) = e for x ≤ 0, 2 − e for x > 0.
  const c = v128.bitselect(f32x4.sub(splat(2), e), e, f32x4.gt(x, splat(0)));
  return f32x4.mul(f32x4.mul(x, splat(0.5)), c);
}

/**
 * Tanh-approximated GELU, ½·x·(1 + tanh u) with u = √(2/π)(x + 0.044715x³), written as
 * x / (1 + e^(−2u)), which keeps full relative accuracy for negative x too.
 */
// @ts-ignore: decorator
@inline export function vgeluTanh(x: v128): v128 {
  const x3 = f32x4.mul(f32x4.mul(x, x), x);
  const u2 = f32x4.mul(madd(x3, splat(0.044715), x), splat(-1.5957691216057308)); // −2·√(2/π)
  return f32x4.div(x, f32x4.add(splat(1), vexp(u2)));
}

/** Logistic sigmoid 1 / (1 + e^(−x)). */
// @ts-ignore: decorator
@inline export function vsigmoid(x: v128): v128 {
  return f32x4.div(splat(1), f32x4.add(splat(1), vexp(f32x4.neg(x))));
}

/**
 * tanh: Cephes' odd polynomial for |x| < 0.625, else sign(x)·(1 − 2/(e^(2|x|) + 1)).
 */
// @ts-ignore: decorator
@inline export function vtanh(x: v128): v128 {
  const ax = f32x4.abs(x);
  const z = f32x4.mul(x, x);
  let p = splat(-5.70498872745e-3);
  p = madd(p, z, splat(2.06390887954e-2));
  p = madd(p, z, splat(-5.37397155531e-2));
  p = madd(p, z, splat(1.33314422036e-1));
  p = madd(p, z, splat(-3.33332819422e-1));
  const small = madd(f32x4.mul(p, z), x, x);
  const e = vexp(f32x4.add(ax, ax));
  const big = f32x4.sub(splat(1), f32x4.div(splat(2), f32x4.add(e, splat(1))));
  const signed = v128.or(big, v128.and(x, i32x4.splat(0x80000000)));
  return v128.bitselect(small, signed, f32x4.lt(ax, splat(0.625)));
}
