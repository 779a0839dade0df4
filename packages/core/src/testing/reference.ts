/**
 * A float64 reference implementation of the kernels, written as plainly as possible
 * (index arithmetic, no fast paths), used by the conformance kit as the oracle.
 */
import { broadcastShapes, sizeOf, stridesOf, type Shape } from '../shape.js';

/** A float64 n-d array. */
export interface Ref {
  readonly data: Float64Array;
  readonly shape: number[];
}

/** Makes a Ref. */
export function ref(data: ArrayLike<number>, shape: readonly number[]): Ref {
  return { data: Float64Array.from(data), shape: [...shape] };
}

function unravel(i: number, shape: Shape): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d]!;
    i = Math.floor(i / shape[d]!);
  }
  return idx;
}

function ravelBroadcast(idx: number[], shape: Shape): number {
  const off = idx.length - shape.length;
  const strides = stridesOf(shape);
  let o = 0;
  for (let d = 0; d < shape.length; d++) o += (shape[d] === 1 ? 0 : idx[d + off]!) * strides[d]!;
  return o;
}

/** Elementwise map. */
export function map1(x: Ref, f: (v: number) => number): Ref {
  return { data: x.data.map(f), shape: [...x.shape] };
}

/** Broadcast elementwise map of n inputs. */
export function mapN(xs: Ref[], f: (...v: number[]) => number): Ref {
  const shape = broadcastShapes('reference', ...xs.map((x) => x.shape));
  const out = new Float64Array(sizeOf(shape));
  for (let i = 0; i < out.length; i++) {
    const idx = unravel(i, shape);
    out[i] = f(...xs.map((x) => x.data[ravelBroadcast(idx, x.shape)]!));
  }
  return { data: out, shape };
}

/** Reduction over axes. */
export function reduceRef(x: Ref, axes: number[], f: (acc: number, v: number) => number, init: number): Ref {
  const outShape = x.shape.filter((_, i) => !axes.includes(i));
  const out = new Float64Array(sizeOf(outShape)).fill(init);
  for (let i = 0; i < x.data.length; i++) {
    const idx = unravel(i, x.shape).filter((_, d) => !axes.includes(d));
    let o = 0;
    for (let d = 0; d < idx.length; d++) o = o * outShape[d]! + idx[d]!;
    out[o] = f(out[o]!, x.data[i]!);
  }
  return { data: out, shape: outShape };
}

/** Index of extreme along an axis (first on ties). */
export function argRef(x: Ref, axis: number, better: (a: number, b: number) => boolean): Ref {
  const outShape = x.shape.filter((_, i) => i !== axis);
  const out = new Float64Array(sizeOf(outShape));
  const best = new Float64Array(out.length).fill(Number.NaN);
  for (let i = 0; i < x.data.length; i++) {
    const full = unravel(i, x.shape);
    const idx = full.filter((_, d) => d !== axis);
    let o = 0;
    for (let d = 0; d < idx.length; d++) o = o * outShape[d]! + idx[d]!;
    if (full[axis] === 0 || better(x.data[i]!, best[o]!)) {
      best[o] = x.data[i]!;
      out[o] = full[axis]!;
    }
  }
  return { data: out, shape: outShape };
}

/** Batched matmul with broadcasting and transposes. */
export function matmulRef(a: Ref, b: Ref, transA: boolean, transB: boolean): Ref {
  const ra = a.shape.length;
  const rb = b.shape.length;
  const m = transA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
  const k = transA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
  const n = transB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
  const batchShape = broadcastShapes('reference matmul', a.shape.slice(0, -2), b.shape.slice(0, -2));
  const shape = [...batchShape, m, n];
  const out = new Float64Array(sizeOf(shape));
  for (let i = 0; i < out.length; i++) {
    const idx = unravel(i, shape);
    const bidx = idx.slice(0, -2);
    const r = idx[idx.length - 2]!;
    const c = idx[idx.length - 1]!;
    let s = 0;
    for (let p = 0; p < k; p++) {
      const ai = [...bidx, transA ? p : r, transA ? r : p];
      const bi = [...bidx, transB ? c : p, transB ? p : c];
      s += a.data[ravelBroadcast(ai, a.shape)]! * b.data[ravelBroadcast(bi, b.shape)]!;
    }
    out[i] = s;
  }
  return { data: out, shape };
}

/** Transpose by perm. */
export function transposeRef(x: Ref, perm: number[]): Ref {
  const shape = perm.map((p) => x.shape[p]!);
  const out = new Float64Array(x.data.length);
  const strides = stridesOf(x.shape);
  for (let i = 0; i < out.length; i++) {
    const idx = unravel(i, shape);
    let src = 0;
    for (let d = 0; d < perm.length; d++) src += idx[d]! * strides[perm[d]!]!;
    out[i] = x.data[src]!;
  }
  return { data: out, shape };
}

/** Applies a function to each row along the last axis. */
export function rowsRef(x: Ref, f: (row: number[]) => number[], outCols = x.shape.at(-1)!): Ref {
  const cols = x.shape.at(-1)!;
  const rows = cols === 0 ? 0 : x.data.length / cols;
  const out: number[] = [];
  for (let r = 0; r < rows; r++) out.push(...f(Array.from(x.data.subarray(r * cols, (r + 1) * cols))));
  return { data: Float64Array.from(out), shape: [...x.shape.slice(0, -1), outCols] };
}

/** erf to double precision (series / continued fraction via erfc). */
export function erfRef(x: number): number {
  // Abramowitz–Stegun 7.1.26 is too coarse for an oracle; use the series to |x| < 3 and
  // the asymptotic complement beyond (both converge to ~1e-15 in double precision).
  const ax = Math.abs(x);
  if (ax < 3) {
    let term = x;
    let sum = x;
    for (let n = 1; n < 200; n++) {
      term *= (-x * x) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc continued fraction (Lentz), accurate for large |x|.
  let f = ax;
  let c = ax;
  let d = 0;
  for (let i = 1; i < 300; i++) {
    const an = i / 2;
    d = ax + an * d;
    d = 1 / d;
    c = ax + an / c;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  return x > 0 ? 1 - erfc : erfc - 1;
}

/** Numerically stable log-sum-exp of a row. */
export function lseRef(row: number[]): number {
  const m = Math.max(...row);
  if (m === -Infinity) return -Infinity;
  return m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
}
