// The 5x8 single-precision micro-kernel (the hot loop of the GEMM).
//
// Why 5x8: V8 (TurboFan, x64) gives wasm 15 allocatable xmm registers. 10 accumulators
// (5 rows x 2 vectors) hide the 4-cycle FMA latency on 2 FMA ports (8 would cap at ~85%);
// the other 5 registers hold the two B vectors, the A rows 0-3 vector, its lane broadcast
// and the row-4 splat. Rows 0-3 are broadcast from one vector load with lane shuffles
// (pure ops, which TurboFan schedules next to their use) rather than with four
// `load32_splat`s (loads, which it hoists to the top of the loop, running out of registers).
// Unrolling along k hoists more loads and spills, so the loop is not unrolled.

import { MR, NR } from './config';

// `FMA` is an integer constant given by the build (`asc --use FMA=1`): 1 = relaxed SIMD
// fused multiply-add, 0 = plain simd128 multiply then add.
// @ts-ignore: decorator
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (FMA) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/**
 * C[5x8] (+)= A panel (5 x kc, k-major) * B panel (kc x 8, k-major).
 * C rows are `ldc` floats apart; `accumulate` adds to C instead of overwriting it.
 */
export function kernel5x8(a: usize, b: usize, c: usize, ldc: usize, kc: i32, accumulate: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0), c41 = f32x4.splat(0);
  for (let p = kc; p > 0; p--) {
    const b0 = v128.load(b), b1 = v128.load(b, 16);
    const av = v128.load(a);
    { const x = i32x4.shuffle(av, av, 0, 0, 0, 0); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01); }
    { const x = i32x4.shuffle(av, av, 1, 1, 1, 1); c10 = madd(x, b0, c10); c11 = madd(x, b1, c11); }
    { const x = i32x4.shuffle(av, av, 2, 2, 2, 2); c20 = madd(x, b0, c20); c21 = madd(x, b1, c21); }
    { const x = i32x4.shuffle(av, av, 3, 3, 3, 3); c30 = madd(x, b0, c30); c31 = madd(x, b1, c31); }
    { const x = v128.load32_splat(a, 16); c40 = madd(x, b0, c40); c41 = madd(x, b1, c41); }
    a += MR << 2; b += NR << 2;
  }
  const rowBytes = ldc << 2;
  if (accumulate) {
    { const q = c + 0 * rowBytes; c00 = f32x4.add(c00, v128.load(q)); c01 = f32x4.add(c01, v128.load(q, 16)); }
    { const q = c + 1 * rowBytes; c10 = f32x4.add(c10, v128.load(q)); c11 = f32x4.add(c11, v128.load(q, 16)); }
    { const q = c + 2 * rowBytes; c20 = f32x4.add(c20, v128.load(q)); c21 = f32x4.add(c21, v128.load(q, 16)); }
    { const q = c + 3 * rowBytes; c30 = f32x4.add(c30, v128.load(q)); c31 = f32x4.add(c31, v128.load(q, 16)); }
    { const q = c + 4 * rowBytes; c40 = f32x4.add(c40, v128.load(q)); c41 = f32x4.add(c41, v128.load(q, 16)); }
  }
  { const q = c + 0 * rowBytes; v128.store(q, c00); v128.store(q, c01, 16); }
  { const q = c + 1 * rowBytes; v128.store(q, c10); v128.store(q, c11, 16); }
  { const q = c + 2 * rowBytes; v128.store(q, c20); v128.store(q, c21, 16); }
  { const q = c + 3 * rowBytes; v128.store(q, c30); v128.store(q, c31, 16); }
  { const q = c + 4 * rowBytes; v128.store(q, c40); v128.store(q, c41, 16); }
}
