import { broadcastShapes, sizeOf, stridesOf, type TensorInfo } from '@heed/core';
import type { KernelHost } from './host.js';

/**
 * Which matmul kernel runs:
 * - `blocked`: register blocking, no shared memory. Each invocation computes a 4×4 block
 *   of C from a stream of A columns and B rows held in registers. Chosen on software
 *   adapters (Mesa lavapipe, SwiftShader): there workgroup memory is ordinary memory and
 *   every barrier synchronises CPU threads, and register-blocked kernels measured ~7×
 *   faster than shared-memory tiling.
 * - `tiled`: classic shared-memory tiling (16×16 tiles of A and B staged in workgroup
 *   memory, each invocation a 2×2 block). Chosen on real GPUs, where workgroup memory is
 *   fast on-chip storage and global memory bandwidth is the bottleneck.
 * The choice is made once per device from the adapter description (see `GpuContext.software`)
 * and can be forced with the backend's `matmulKernel` option.
 */
export type MatmulKernel = 'blocked' | 'tiled';

const BLOCKED = (ta: boolean, tb: boolean): string => `
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;
@group(0) @binding(3) var<storage, read> p: array<u32>;
@compute @workgroup_size(8, 8, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let M = p[0];
  let N = p[1];
  let K = p[2];
  let z = gid.z;
  let row0 = gid.y * 4u;
  let col0 = gid.x * 4u;
  if (row0 >= M || col0 >= N) { return; }
  let aOff = p[4u + 2u * z];
  let bOff = p[5u + 2u * z];
  let r = vec4<u32>(row0, min(row0 + 1u, M - 1u), min(row0 + 2u, M - 1u), min(row0 + 3u, M - 1u));
  let cc = vec4<u32>(col0, min(col0 + 1u, N - 1u), min(col0 + 2u, N - 1u), min(col0 + 3u, N - 1u));
  ${ta ? 'let ar = aOff + r; let aStep = M;' : 'let ar = aOff + r * K; let aStep = 1u;'}
  ${tb ? 'let bc = bOff + cc * K; let bStep = 1u;' : 'let bc = bOff + cc; let bStep = N;'}
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  var ai = ar;
  var bi = bc;
  for (var k = 0u; k < K; k++) {
    let av = vec4<f32>(a[ai.x], a[ai.y], a[ai.z], a[ai.w]);
    let bv = vec4<f32>(b[bi.x], b[bi.y], b[bi.z], b[bi.w]);
    acc0 = fma(vec4<f32>(av.x), bv, acc0);
    acc1 = fma(vec4<f32>(av.y), bv, acc1);
    acc2 = fma(vec4<f32>(av.z), bv, acc2);
    acc3 = fma(vec4<f32>(av.w), bv, acc3);
    ai += vec4<u32>(aStep);
    bi += vec4<u32>(bStep);
  }
  let cOff = z * M * N;
  let accs = array<vec4<f32>, 4>(acc0, acc1, acc2, acc3);
  for (var i = 0u; i < 4u; i++) {
    let row = row0 + i;
    if (row < M) {
      let v = accs[i];
      let base = cOff + row * N + col0;
      c[base] = v.x;
      if (col0 + 1u < N) { c[base + 1u] = v.y; }
      if (col0 + 2u < N) { c[base + 2u] = v.z; }
      if (col0 + 3u < N) { c[base + 3u] = v.w; }
    }
  }
}`;

/** Rows of C per invocation in the vec4 blocked kernel (a column of TM A values times one vec4 of B). */
const TM = 8;

const BLOCKED_V4 = (ta: boolean): string => {
  const rows = Array.from({ length: TM }, (_, i) => i);
  return `
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> c: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> p: array<u32>;
@compute @workgroup_size(8, 8, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let M = p[0];
  let N4 = p[1] / 4u;
  let K = p[2];
  let z = gid.z;
  let row0 = gid.y * ${TM}u;
  if (row0 >= M || gid.x >= N4) { return; }
  let aOff = p[4u + 2u * z];
  let bOff = p[5u + 2u * z] / 4u + gid.x;
${rows.map((i) => `  var a${i} = aOff + min(row0 + ${i}u, M - 1u)${ta ? '' : ' * K'};
  var acc${i} = vec4<f32>(0.0);`).join('\n')}
  let aStep = ${ta ? 'M' : '1u'};
  var bi = bOff;
  for (var k = 0u; k < K; k++) {
    let bv = b[bi];
${rows.map((i) => `    acc${i} = fma(vec4<f32>(a[a${i}]), bv, acc${i});
    a${i} += aStep;`).join('\n')}
    bi += N4;
  }
  let cOff = z * M * N4 + gid.x;
${rows.map((i) => `  if (row0 + ${i}u < M) { c[cOff + (row0 + ${i}u) * N4] = acc${i}; }`).join('\n')}
}`;
};

const TILED = (ta: boolean, tb: boolean): string => `
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;
@group(0) @binding(3) var<storage, read> p: array<u32>;
const T = 32u;
var<workgroup> As: array<array<f32, 32>, 32>;
var<workgroup> Bs: array<array<f32, 32>, 32>;
fn loadA(off: u32, row: u32, k: u32, M: u32, K: u32) -> f32 {
  if (row >= M || k >= K) { return 0.0; }
  return ${ta ? 'a[off + k * M + row]' : 'a[off + row * K + k]'};
}
fn loadB(off: u32, k: u32, col: u32, N: u32, K: u32) -> f32 {
  if (col >= N || k >= K) { return 0.0; }
  return ${tb ? 'b[off + col * K + k]' : 'b[off + k * N + col]'};
}
@compute @workgroup_size(16, 16, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let M = p[0];
  let N = p[1];
  let K = p[2];
  let z = wid.z;
  let aOff = p[4u + 2u * z];
  let bOff = p[5u + 2u * z];
  let rowBase = wid.y * T;
  let colBase = wid.x * T;
  var acc = array<f32, 4>(0.0, 0.0, 0.0, 0.0);
  for (var k0 = 0u; k0 < K; k0 += T) {
    for (var s = 0u; s < 4u; s++) {
      let lr = lid.y * 2u + s / 2u;
      let lc = lid.x * 2u + s % 2u;
      As[lr][lc] = loadA(aOff, rowBase + lr, k0 + lc, M, K);
      Bs[lr][lc] = loadB(bOff, k0 + lr, colBase + lc, N, K);
    }
    workgroupBarrier();
    for (var kk = 0u; kk < T; kk++) {
      let a0 = As[lid.y * 2u][kk];
      let a1 = As[lid.y * 2u + 1u][kk];
      let b0 = Bs[kk][lid.x * 2u];
      let b1 = Bs[kk][lid.x * 2u + 1u];
      acc[0] = fma(a0, b0, acc[0]);
      acc[1] = fma(a0, b1, acc[1]);
      acc[2] = fma(a1, b0, acc[2]);
      acc[3] = fma(a1, b1, acc[3]);
    }
    workgroupBarrier();
  }
  let cOff = z * M * N;
  for (var s = 0u; s < 4u; s++) {
    let row = rowBase + lid.y * 2u + s / 2u;
    let col = colBase + lid.x * 2u + s % 2u;
    if (row < M && col < N) { c[cOff + row * N + col] = acc[s]; }
  }
}`;

/** Batched matmul with transpose flags and broadcast batch dims (see PrimitiveKernels.matmul). */
export function matmul(host: KernelHost, kernel: MatmulKernel, a: TensorInfo, b: TensorInfo, transA: boolean, transB: boolean): TensorInfo {
  const ra = a.shape.length;
  const rb = b.shape.length;
  const m = transA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
  const k = transA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
  const n = transB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  const batch = broadcastShapes('matmul', batchA, batchB);
  const out = host.out([...batch, m, n], 'float32');
  const nb = sizeOf(batch);
  if (m === 0 || n === 0 || nb === 0) return out;
  // Per-batch element offsets of A and B (batch broadcasting resolved on the host).
  const offs = new Uint32Array(4 + 2 * nb);
  offs[0] = m;
  offs[1] = n;
  offs[2] = k;
  offs[3] = nb;
  const bs = stridesOf(batch);
  const sa = stridesOf(batchA);
  const sb = stridesOf(batchB);
  for (let z = 0; z < nb; z++) {
    let ao = 0;
    let bo = 0;
    for (let d = 0; d < batch.length; d++) {
      const c = Math.floor(z / bs[d]!) % batch[d]!;
      const da = d - (batch.length - batchA.length);
      const db = d - (batch.length - batchB.length);
      if (da >= 0 && batchA[da] !== 1) ao += c * sa[da]!;
      if (db >= 0 && batchB[db] !== 1) bo += c * sb[db]!;
    }
    offs[4 + 2 * z] = ao * m * k;
    offs[5 + 2 * z] = bo * k * n;
  }
  // Blocked kernel with vec4 rows of B and C when B is not transposed and n % 4 == 0 (every
  // batch offset of B is then a multiple of 4 too, since it is a multiple of k·n).
  const v4 = kernel === 'blocked' && !transB && n % 4 === 0;
  const key = `matmul|${kernel}${v4 ? '4' : ''}|${transA ? 'T' : 'N'}${transB ? 'T' : 'N'}`;
  const pipeline = host.rt.pipeline(key, () => (v4 ? BLOCKED_V4(transA) : kernel === 'blocked' ? BLOCKED(transA, transB) : TILED(transA, transB)));
  const groups: [number, number, number] = [Math.ceil(n / 32), Math.ceil(m / (v4 ? 8 * TM : 32)), nb];
  host.rt.dispatch(key, pipeline, [host.buf(a), host.buf(b), host.buf(out)], offs, groups);
  return out;
}
