import { sizeOf, stridesOf, type ArgReduceOp, type ReduceOp, type TensorInfo } from '@heed/core';
import { MAIN_1D, MATH, grid, wgslType } from '../wgsl.js';
import type { KernelHost } from './host.js';

/** Merges adjacent dims that are contiguous (stride[d] = stride[d+1]·shape[d+1]) and drops size-1 dims. */
function merge(shape: number[], strides: number[]): [number[], number[]] {
  const s: number[] = [];
  const t: number[] = [];
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const k = s.length - 1;
    if (k >= 0 && t[k] === strides[d]! * shape[d]!) {
      s[k] = s[k]! * shape[d]!;
      t[k] = strides[d]!;
    } else {
      s.push(shape[d]!);
      t.push(strides[d]!);
    }
  }
  return [s, t];
}

function init(op: ReduceOp, type: string): string {
  if (op === 'sum') return type === 'f32' ? '0.0' : type === 'i32' ? '0' : '0u';
  if (op === 'prod') return type === 'f32' ? '1.0' : type === 'i32' ? '1' : '1u';
  if (type === 'f32') return op === 'max' ? 'inf_bits(0xff800000u)' : 'inf_bits(0x7f800000u)';
  if (type === 'i32') return op === 'max' ? 'i32(-2147483648)' : '2147483647';
  return op === 'max' ? '0u' : '4294967295u';
}

function combine(op: ReduceOp, type: string): string {
  switch (op) {
    case 'sum': return 'acc + v';
    case 'prod': return 'acc * v';
    case 'max': return type === 'f32' ? 'maxf_(acc, v)' : 'max(acc, v)';
    case 'min': return type === 'f32' ? 'minf_(acc, v)' : 'min(acc, v)';
  }
}

/**
 * Reduction over `axes`. Kept and reduced dims are merged where contiguous, then:
 * - few outputs with long reductions: one workgroup per output, 64 threads striding over
 *   the reduced elements and a shared-memory tree (keeps a real GPU busy);
 * - otherwise one thread per output looping over its reduced elements.
 */
export function reduce(host: KernelHost, op: ReduceOp, x: TensorInfo, axes: readonly number[]): TensorInfo {
  const keptDims = x.shape.map((_, d) => d).filter((d) => !axes.includes(d));
  const outShape = keptDims.map((d) => x.shape[d]!);
  const out = host.out(outShape, x.dtype);
  const nOut = sizeOf(outShape);
  if (nOut === 0) return out;
  const st = stridesOf(x.shape);
  const [ks, kt] = merge(outShape, keptDims.map((d) => st[d]!));
  const [rs, rt] = merge(axes.map((d) => x.shape[d]!), axes.map((d) => st[d]!));
  const count = sizeOf(rs);
  const type = wgslType(x.dtype);
  const wide = count >= 256 && nOut <= 4096;
  const K = ks.length;
  const R = rs.length;
  const key = `reduce|${op}|${type}|k${K}|r${R}|${wide ? 'wg' : 't'}`;
  const pipeline = host.rt.pipeline(key, () => {
    const header = `
@group(0) @binding(0) var<storage, read> x: array<${type}>;
@group(0) @binding(1) var<storage, read_write> out: array<${type}>;
@group(0) @binding(2) var<storage, read> p: array<u32>;
${MATH}
fn base_of(o: u32) -> u32 {
  var rem = o;
  var b = 0u;
  for (var d = ${K - 1}; d >= 0; d--) {
    let dim = p[2 + d];
    b += (rem % dim) * p[${2 + K} + d];
    rem = rem / dim;
  }
  return b;
}
fn off_of(j: u32) -> u32 {
  var rem = j;
  var b = 0u;
  for (var d = ${R - 1}; d >= 0; d--) {
    let dim = p[${2 + 2 * K} + d];
    b += (rem % dim) * p[${2 + 2 * K + R} + d];
    rem = rem / dim;
  }
  return b;
}`;
    if (!wide) {
      return `${header}
${MAIN_1D}
  if (i >= p[0]) { return; }
  let b = base_of(i);
  var acc: ${type} = ${init(op, type)};
  for (var j = 0u; j < p[1]; j++) {
    let v = x[b + off_of(j)];
    acc = ${combine(op, type)};
  }
  out[i] = acc;
}`;
    }
    return `${header}
var<workgroup> part: array<${type}, 64>;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let o = wid.x + wid.y * nwg.x;
  let live = o < p[0];
  let b = select(0u, base_of(o), live);
  var acc: ${type} = ${init(op, type)};
  if (live) {
    for (var j = li; j < p[1]; j += 64u) {
      let v = x[b + off_of(j)];
      acc = ${combine(op, type)};
    }
  }
  part[li] = acc;
  workgroupBarrier();
  for (var s = 32u; s > 0u; s = s >> 1u) {
    if (li < s) {
      let v = part[li + s];
      acc = part[li];
      part[li] = ${combine(op, type)};
    }
    workgroupBarrier();
  }
  if (live && li == 0u) { out[o] = part[0]; }
}`;
  });
  const params = Uint32Array.from([nOut, count, ...ks, ...kt, ...rs, ...rt]);
  host.rt.dispatch(`reduce ${op}`, pipeline, [host.buf(x), host.buf(out)], params, wide ? grid(nOut, 1) : grid(nOut));
  return out;
}

/** argmax/argmin along `axis` (first index of ties), one thread per output. */
export function argReduce(host: KernelHost, op: ArgReduceOp, x: TensorInfo, axis: number): TensorInfo {
  const outShape = x.shape.filter((_, d) => d !== axis);
  const out = host.out(outShape, 'int32');
  const nOut = sizeOf(outShape);
  if (nOut === 0) return out;
  const inner = sizeOf(x.shape.slice(axis + 1));
  const type = wgslType(x.dtype);
  const cmp = op === 'argmax' ? '>' : '<';
  const pipeline = host.rt.pipeline(`arg|${op}|${type}`, () => `
@group(0) @binding(0) var<storage, read> x: array<${type}>;
@group(0) @binding(1) var<storage, read_write> out: array<i32>;
@group(0) @binding(2) var<storage, read> p: array<u32>;
${MAIN_1D}
  if (i >= p[0]) { return; }
  let inner = p[1];
  let len = p[2];
  let b = (i / inner) * len * inner + i % inner;
  var best = x[b];
  var bi = 0u;
  for (var j = 1u; j < len; j++) {
    let v = x[b + j * inner];
    if (v ${cmp} best) { best = v; bi = j; }
  }
  out[i] = i32(bi);
}`);
  host.rt.dispatch(op, pipeline, [host.buf(x), host.buf(out)], Uint32Array.of(nOut, inner, x.shape[axis]!), grid(nOut));
  return out;
}
