import { sizeOf, stridesOf, type DType, type Shape, type TensorInfo } from '@heed/core';
import { MAIN_1D, grid } from '../wgsl.js';
import { wordOf, type KernelHost } from './host.js';

/*
 * Movement kernels copy 32-bit words: every dtype is one word per element on the GPU
 * (see wgsl.ts), so one pipeline per rank serves all dtypes.
 */

/** Drops size-1 dims and merges dims that are contiguous in both source and destination. */
function simplify(shape: readonly number[], src: readonly number[], dst: readonly number[]): [number[], number[], number[]] {
  const s: number[] = [];
  const a: number[] = [];
  const b: number[] = [];
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const k = s.length - 1;
    if (k >= 0 && a[k] === src[d]! * shape[d]! && b[k] === dst[d]! * shape[d]!) {
      s[k] = s[k]! * shape[d]!;
      a[k] = src[d]!;
      b[k] = dst[d]!;
    } else {
      s.push(shape[d]!);
      a.push(src[d]!);
      b.push(dst[d]!);
    }
  }
  return [s, a, b];
}

/**
 * Strided copy: for every index c of `shape`, dst[dstBase + c·dstStrides] =
 * src[srcBase + c·srcStrides]. Serves transpose, slice, concat and pad.
 */
export function stridedCopy(host: KernelHost, label: string, src: GPUBuffer, srcBase: number, srcStrides: readonly number[], dst: GPUBuffer, dstBase: number, dstStrides: readonly number[], shapeIn: readonly number[]): void {
  const n = sizeOf(shapeIn);
  if (n === 0) return;
  const [shape, ss, ds] = simplify(shapeIn, srcStrides, dstStrides);
  const rank = shape.length;
  if (rank <= 1 && (rank === 0 || (ss[0] === 1 && ds[0] === 1))) {
    host.rt.copy(src, srcBase * 4, dst, dstBase * 4, n * 4);
    return;
  }
  const key = `copy|r${rank}`;
  const pipeline = host.rt.pipeline(key, () => `
@group(0) @binding(0) var<storage, read> src: array<u32>;
@group(0) @binding(1) var<storage, read_write> dst: array<u32>;
@group(0) @binding(2) var<storage, read> p: array<u32>;
${MAIN_1D}
  if (i >= p[0]) { return; }
  var rem = i;
  var so = p[1];
  var dof = p[2];
  for (var d = ${rank - 1}; d >= 0; d--) {
    let dim = p[3 + d];
    let c = rem % dim;
    rem = rem / dim;
    so += c * p[${3 + rank} + d];
    dof += c * p[${3 + 2 * rank} + d];
  }
  dst[dof] = src[so];
}`);
  host.rt.dispatch(label, pipeline, [src, dst], Uint32Array.from([n, srcBase, dstBase, ...shape, ...ss, ...ds]), grid(n));
}

/** Fills `n` words of `dst` with `word`. */
export function fill(host: KernelHost, dst: GPUBuffer, n: number, word: number): void {
  if (n === 0) return;
  const pipeline = host.rt.pipeline('fill', () => `
@group(0) @binding(0) var<storage, read_write> dst: array<u32>;
@group(0) @binding(1) var<storage, read> p: array<u32>;
${MAIN_1D}
  if (i >= p[0]) { return; }
  dst[i] = p[1];
}`);
  host.rt.dispatch('fill', pipeline, [dst], Uint32Array.of(n, word >>> 0), grid(n));
}

export function transpose(host: KernelHost, x: TensorInfo, perm: readonly number[]): TensorInfo {
  const shape = perm.map((p) => x.shape[p]!);
  const out = host.out(shape, x.dtype);
  const xs = stridesOf(x.shape);
  stridedCopy(host, 'transpose', host.buf(x), 0, perm.map((p) => xs[p]!), host.buf(out), 0, stridesOf(shape), shape);
  return out;
}

export function slice(host: KernelHost, x: TensorInfo, begin: readonly number[], size: readonly number[]): TensorInfo {
  const out = host.out([...size], x.dtype);
  const xs = stridesOf(x.shape);
  const base = begin.reduce((a, b, d) => a + b * xs[d]!, 0);
  stridedCopy(host, 'slice', host.buf(x), base, xs, host.buf(out), 0, stridesOf(size), size);
  return out;
}

export function concat(host: KernelHost, xs: readonly TensorInfo[], axis: number): TensorInfo {
  const shape = [...xs[0]!.shape];
  shape[axis] = xs.reduce((a, x) => a + x.shape[axis]!, 0);
  const out = host.out(shape, xs[0]!.dtype);
  const os = stridesOf(shape);
  let at = 0;
  for (const x of xs) {
    stridedCopy(host, 'concat', host.buf(x), 0, stridesOf(x.shape), host.buf(out), at * os[axis]!, os, x.shape);
    at += x.shape[axis]!;
  }
  return out;
}

export function pad(host: KernelHost, x: TensorInfo, paddings: readonly (readonly [number, number])[], value: number): TensorInfo {
  const shape = x.shape.map((d, i) => d + paddings[i]![0] + paddings[i]![1]);
  const out = host.out(shape, x.dtype);
  fill(host, host.buf(out), sizeOf(shape), wordOf(value, x.dtype));
  const os = stridesOf(shape);
  const base = paddings.reduce((a, p, d) => a + p[0] * os[d]!, 0);
  stridedCopy(host, 'pad', host.buf(x), 0, stridesOf(x.shape), host.buf(out), base, os, x.shape);
  return out;
}

/**
 * Gather along `axis`. An index outside [0, x.shape[axis]) yields zeros: a GPU kernel
 * cannot throw, and checking would need a readback (the contract allows this).
 */
export function gather(host: KernelHost, x: TensorInfo, indices: TensorInfo, axis: number): TensorInfo {
  const shape = [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)];
  const out = host.out(shape, x.dtype);
  const n = sizeOf(shape);
  if (n === 0) return out;
  const inner = sizeOf(x.shape.slice(axis + 1));
  const pipeline = host.rt.pipeline('gather', () => `
@group(0) @binding(0) var<storage, read> x: array<u32>;
@group(0) @binding(1) var<storage, read> idx: array<i32>;
@group(0) @binding(2) var<storage, read_write> out: array<u32>;
@group(0) @binding(3) var<storage, read> p: array<u32>;
${MAIN_1D}
  if (i >= p[0]) { return; }
  let inner = p[1];
  let nIdx = p[2];
  let axisLen = p[3];
  let q = i % inner;
  let t = i / inner;
  let j = t % nIdx;
  let o = t / nIdx;
  let k = idx[j];
  if (k < 0 || u32(k) >= axisLen) { out[i] = 0u; return; }
  out[i] = x[(o * axisLen + u32(k)) * inner + q];
}`);
  host.rt.dispatch('gather', pipeline, [host.buf(x), host.buf(indices), host.buf(out)], Uint32Array.of(n, inner, sizeOf(indices.shape), x.shape[axis]!), grid(n));
  return out;
}

/**
 * Scatter-add along `axis` into zeros of `shape`. WGSL has no float atomics, so each
 * update is added with a compare-exchange loop on the word (order of repeated indices is
 * not fixed; sums agree to rounding). Out-of-range indices are skipped.
 */
export function scatterAdd(host: KernelHost, indices: TensorInfo, updates: TensorInfo, shape: Shape, axis: number): TensorInfo {
  const out = host.out([...shape], 'float32');
  fill(host, host.buf(out), sizeOf(shape), 0);
  const n = sizeOf(updates.shape);
  if (n === 0) return out;
  const inner = sizeOf(shape.slice(axis + 1));
  const pipeline = host.rt.pipeline('scatterAdd', () => `
@group(0) @binding(0) var<storage, read> idx: array<i32>;
@group(0) @binding(1) var<storage, read> upd: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<atomic<u32>>;
@group(0) @binding(3) var<storage, read> p: array<u32>;
${MAIN_1D}
  if (i >= p[0]) { return; }
  let inner = p[1];
  let nIdx = p[2];
  let axisLen = p[3];
  let q = i % inner;
  let t = i / inner;
  let j = t % nIdx;
  let o = t / nIdx;
  let k = idx[j];
  if (k < 0 || u32(k) >= axisLen) { return; }
  let at = (o * axisLen + u32(k)) * inner + q;
  let v = upd[i];
  var old = atomicLoad(&out[at]);
  loop {
    let r = atomicCompareExchangeWeak(&out[at], old, bitcast<u32>(bitcast<f32>(old) + v));
    if (r.exchanged) { break; }
    old = r.old_value;
  }
}`);
  host.rt.dispatch('scatterAdd', pipeline, [host.buf(indices), host.buf(updates), host.buf(out)], Uint32Array.of(n, inner, sizeOf(indices.shape), shape[axis]!), grid(n));
  return out;
}

/** Same-dtype copy of a whole tensor into a fresh buffer. */
export function clone(host: KernelHost, x: TensorInfo, dtype: DType = x.dtype): TensorInfo {
  const out = host.out([...x.shape], dtype);
  host.rt.copy(host.buf(x), 0, host.buf(out), 0, sizeOf(x.shape) * 4);
  return out;
}
