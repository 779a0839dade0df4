import {
  BackendError,
  type AdamStepArgs,
  type CrossEntropyArgs,
  type ArgReduceOp,
  type AttentionArgs,
  type Backend,
  type BackendMemory,
  type BinaryOp,
  type CompareOp,
  type DataId,
  type DType,
  type ReduceOp,
  type Shape,
  type TensorInfo,
  type TypedArray,
  type UnaryOp,
} from '@heed/core';
import { GemmEngine, type Sgemm } from './gemm/index.js';
import { loadNativeGemm, type NativeGemm, type PackedMatrix } from './native/index.js';
import * as ew from './kernels/elementwise.js';
import * as fused from './kernels/fused.js';
import * as fast from './kernels/fused-wasm.js';
import { gather, scatterAdd } from './kernels/gather.js';
import { matmul } from './kernels/matmul.js';
import { concat, pad, slice, transpose } from './kernels/movement.js';
import { argReduce, reduce } from './kernels/reduce.js';
import { attention, attentionBackward, type AttentionData } from './kernels/attention.js';
import { geluBackward, layerNormBackward } from './kernels/fused-backward.js';
import { gruCell, lstmCell } from './kernels/rnn.js';
import { gruCellBackward, lstmCellBackward } from './kernels/rnn-backward.js';
import { lstmSequence, lstmSequenceBackward } from './kernels/rnn-sequence.js';

/** CPU storage: the host array itself is the data handle. */
class CpuData {
  constructor(public values: TypedArray) {}
}

/** Options of the CPU backend. */
export interface CpuBackendOptions {
  /** Threads for matmul and the kernels built on it (default: all cores). */
  threads?: number;
  /**
   * Keep weights that `linear` multiplies more than once unchanged (inference) packed for the
   * native gemm, skipping the per-call packing; costs one packed copy per such weight, freed
   * with the weight (default true; native addon only). Training steps update weights in place
   * between uses, so they are not packed.
   */
  packWeights?: boolean;
  /**
   * Use the native AVX-512/AVX2 gemm addon for matrix products when it is built and loads
   * (Node only; default true). The WebAssembly engine is used otherwise, and always for
   * the row kernels.
   */
  native?: boolean;
}

/**
 * The CPU backend: host typed arrays as storage, JS kernels for movement and
 * elementwise work, WebAssembly SIMD row kernels (softmax, layer norm, GELU, exp…) and
 * a gemm for matmul, attention and recurrent cells: the native addon in Node when built,
 * else WebAssembly SIMD over a worker pool.
 */
export class CpuBackend implements Backend {
  readonly name = 'cpu';
  /** The WebAssembly engine: row kernels, and matrix products when there is no native addon. */
  private readonly gemm: GemmEngine;
  /** What multiplies matrices: the native addon when available, else `gemm`. */
  private readonly mm: Sgemm & { dispose(): void };
  /** Packed weights for `linear`, by weight storage, with the storage version they were packed at. */
  private readonly packs = new WeakMap<Float32Array, { version: number; uses: number; packed?: PackedMatrix }>();
  /** In-place update counts of storage (Adam steps in place): a packed copy of an older version is stale. */
  private readonly versions = new WeakMap<Float32Array, number>();
  private readonly packWeights: boolean;
  private buffers = 0;
  private bytes = 0;
  private disposed = false;

  constructor(options: CpuBackendOptions = {}) {
    this.gemm = GemmEngine.create({ threads: options.threads });
    const native = options.native === false ? undefined : loadNativeGemm({ threads: options.threads });
    this.mm = native ?? this.gemm;
    this.packWeights = options.packWeights ?? true;
  }

  /** Which gemm kernel (e.g. "native-avx512", "relaxed") and how many threads are in use. */
  get info(): { kernel: string; threads: number } {
    return this.mm === this.gemm ? this.gemm.info : { kernel: `native-${this.mm.info.kernel}`, threads: this.mm.info.threads };
  }

  // ---- storage ----------------------------------------------------------------------

  write(values: TypedArray): DataId {
    this.buffers++;
    this.bytes += values.byteLength;
    return new CpuData(values);
  }

  private get(id: DataId): TypedArray {
    if (!(id instanceof CpuData)) throw new BackendError('cpu: a tensor from another backend was passed to the CPU backend');
    return id.values;
  }

  private out(values: TypedArray, shape: Shape, dtype: DType): TensorInfo {
    return { dataId: this.write(values), shape, dtype };
  }

  async read(id: DataId): Promise<TypedArray> {
    return this.get(id).slice();
  }

  readSync(id: DataId): TypedArray {
    return this.get(id).slice();
  }

  disposeData(id: DataId): void {
    const d = id as CpuData;
    this.buffers--;
    this.bytes -= d.values.byteLength;
    d.values = new Float32Array(0);
  }

  memory(): BackendMemory {
    return { buffers: this.buffers, bytes: this.bytes };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.mm !== this.gemm) this.mm.dispose();
    this.gemm.dispose();
  }

  // ---- primitives -----------------------------------------------------------------

  unary(op: UnaryOp, x: TensorInfo): TensorInfo {
    const values = this.get(x.dataId);
    // exp/sigmoid/tanh on the SIMD kernels once there is enough work to pay for the copy.
    const simd = x.dtype === 'float32' && values.length >= 1024 ? fast.unaryF32Wasm(this.gemm, op, values as Float32Array) : undefined;
    return this.out(simd ?? ew.unary(op, values, x.dtype), x.shape, x.dtype);
  }

  binary(op: BinaryOp, a: TensorInfo, b: TensorInfo): TensorInfo {
    const r = ew.binary(op, this.get(a.dataId), a.shape, this.get(b.dataId), b.shape, a.dtype);
    return this.out(r.values, r.shape, a.dtype);
  }

  compare(op: CompareOp, a: TensorInfo, b: TensorInfo): TensorInfo {
    const r = ew.compare(op, this.get(a.dataId), a.shape, this.get(b.dataId), b.shape);
    return this.out(r.values, r.shape, 'bool');
  }

  where(cond: TensorInfo, a: TensorInfo, b: TensorInfo): TensorInfo {
    const r = ew.where(this.get(cond.dataId), cond.shape, this.get(a.dataId), a.shape, this.get(b.dataId), b.shape, a.dtype);
    return this.out(r.values, r.shape, a.dtype);
  }

  reduce(op: ReduceOp, x: TensorInfo, axes: readonly number[]): TensorInfo {
    const sumRows = (this.mm as Partial<NativeGemm>).sumRows;
    if (sumRows && op === 'sum' && x.dtype === 'float32' && axes.length > 0 && axes.length < x.shape.length && axes.every((a, i) => a === i)) {
      // Sum over leading axes (bias gradients): native column sums.
      const cols = x.shape.slice(axes.length).reduce((n, d) => n * d, 1);
      const values = this.f32(x);
      const out = new Float32Array(cols);
      if (cols > 0) sumRows(values, out, values.length / cols, cols);
      return this.out(out, x.shape.slice(axes.length), 'float32');
    }
    const r = reduce(op, this.get(x.dataId), x.shape, axes, x.dtype, transpose);
    return this.out(r.values, r.shape, x.dtype);
  }

  argReduce(op: ArgReduceOp, x: TensorInfo, axis: number): TensorInfo {
    const r = argReduce(op, this.get(x.dataId), x.shape, axis);
    return this.out(r.values, r.shape, 'int32');
  }

  matmul(a: TensorInfo, b: TensorInfo, transA: boolean, transB: boolean): TensorInfo {
    const r = matmul(this.mm, this.get(a.dataId) as Float32Array, a.shape, this.get(b.dataId) as Float32Array, b.shape, transA, transB);
    return this.out(r.values, r.shape, 'float32');
  }

  linear(x: TensorInfo, w: TensorInfo, bias: TensorInfo | undefined): TensorInfo {
    const [m, k] = x.shape as [number, number];
    const n = w.shape[0]!;
    const out = new Float32Array(m * n);
    const b = bias ? this.f32(bias) : undefined;
    const fused = b !== undefined && this.mm !== this.gemm && k > 0;
    const packed = m > 0 && n > 0 && k > 0 ? this.packedWeight(this.f32(w), k, n) : undefined;
    if (packed) {
      (this.mm as NativeGemm).sgemmPacked!(m, this.f32(x), packed, out, b);
      return this.out(out, [m, n], 'float32');
    }
    if (m > 0 && n > 0 && k > 0) {
      this.mm.sgemm({
        batch: 1, m, n, k, a: this.f32(x), aOffset: 0, aBatchStride: 0, b: this.f32(w), bOffset: 0, bBatchStride: 0,
        transA: false, transB: true, c: out, cOffset: 0, ...(fused && { bias: b }),
      });
    }
    if (b && !fused) for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[i * n + j]! += b[j]!;
    return this.out(out, [m, n], 'float32');
  }

  /** The packed form of a weight [n, k] used as op(B) = wᵀ, once it is used twice at the same version. */
  private packedWeight(w: Float32Array, k: number, n: number): PackedMatrix | undefined {
    const native = this.mm as Partial<NativeGemm>;
    if (!this.packWeights || !native.packB || !native.sgemmPacked || k * n < 4096) return undefined;
    const version = this.versions.get(w) ?? 0;
    let e = this.packs.get(w);
    if (!e || e.version !== version) {
      e = { version, uses: 0 };
      this.packs.set(w, e);
    }
    e.uses++;
    if (!e.packed && e.uses >= 2) e.packed = native.packB(w, k, n, true);
    return e.packed;
  }

  transpose(x: TensorInfo, perm: readonly number[]): TensorInfo {
    const native = (this.mm as Partial<NativeGemm>).transpose2d;
    const r = perm.length;
    if (native && x.dtype === 'float32' && r >= 2 && perm[r - 1] === r - 2 && perm[r - 2] === r - 1 && perm.slice(0, -2).every((p, i) => p === i)) {
      // A batched swap of the last two axes (weights, gradients): the blocked native copy.
      const values = this.f32(x);
      const out = new Float32Array(values.length);
      const rows = x.shape[r - 2]!;
      const cols = x.shape[r - 1]!;
      if (values.length > 0) native(values, out, values.length / (rows * cols), rows, cols);
      return this.out(out, perm.map((p) => x.shape[p]!), 'float32');
    }
    return this.out(transpose(this.get(x.dataId), x.shape, perm, x.dtype), perm.map((p) => x.shape[p]!), x.dtype);
  }

  slice(x: TensorInfo, begin: readonly number[], size: readonly number[]): TensorInfo {
    return this.out(slice(this.get(x.dataId), x.shape, begin, size, x.dtype), [...size], x.dtype);
  }

  concat(xs: readonly TensorInfo[], axis: number): TensorInfo {
    const r = concat(
      xs.map((x) => ({ values: this.get(x.dataId), shape: x.shape })),
      axis,
      xs[0]!.dtype,
    );
    return this.out(r.values, r.shape, xs[0]!.dtype);
  }

  pad(x: TensorInfo, paddings: readonly (readonly [number, number])[], value: number): TensorInfo {
    const r = pad(this.get(x.dataId), x.shape, paddings, value, x.dtype);
    return this.out(r.values, r.shape, x.dtype);
  }

  gather(x: TensorInfo, indices: TensorInfo, axis: number): TensorInfo {
    const values = gather(this.get(x.dataId), x.shape, this.get(indices.dataId) as Int32Array, axis, x.dtype);
    return this.out(values, [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)], x.dtype);
  }

  scatterAdd(indices: TensorInfo, updates: TensorInfo, shape: Shape, axis: number): TensorInfo {
    return this.out(scatterAdd(this.get(indices.dataId) as Int32Array, this.get(updates.dataId), shape, axis), [...shape], 'float32');
  }

  cast(x: TensorInfo, dtype: DType): TensorInfo {
    return this.out(ew.cast(this.get(x.dataId), dtype), x.shape, dtype);
  }

  // ---- fused ----------------------------------------------------------------------------

  private f32(x: TensorInfo): Float32Array {
    return this.get(x.dataId) as Float32Array;
  }

  softmax(x: TensorInfo): TensorInfo {
    return this.out(fast.softmax(this.gemm, this.f32(x), x.shape.at(-1)!), x.shape, 'float32');
  }

  logSoftmax(x: TensorInfo): TensorInfo {
    return this.out(fast.logSoftmax(this.gemm, this.f32(x), x.shape.at(-1)!), x.shape, 'float32');
  }

  layerNorm(x: TensorInfo, gamma: TensorInfo, beta: TensorInfo, eps: number): TensorInfo {
    const native = (this.mm as Partial<NativeGemm>).layerNormRows;
    const cols = x.shape.at(-1)!;
    if (native && cols > 0) {
      const xs = this.f32(x);
      const out = new Float32Array(xs.length);
      native(xs, this.f32(gamma), this.f32(beta), out, xs.length / cols, cols, eps);
      return this.out(out, x.shape, 'float32');
    }
    return this.out(fast.layerNorm(this.gemm, this.f32(x), this.f32(gamma), this.f32(beta), x.shape.at(-1)!, eps), x.shape, 'float32');
  }

  gelu(x: TensorInfo, approximate: 'none' | 'tanh'): TensorInfo {
    const native = (this.mm as Partial<NativeGemm>).gelu;
    if (native) {
      const out = new Float32Array(this.f32(x).length);
      native(this.f32(x), out, approximate);
      return this.out(out, x.shape, 'float32');
    }
    return this.out(fast.gelu(this.gemm, this.f32(x), approximate), x.shape, 'float32');
  }

  crossEntropy(logits: TensorInfo, labels: TensorInfo, args: CrossEntropyArgs): TensorInfo {
    const per = fast.crossEntropy(this.gemm, this.f32(logits), this.get(labels.dataId) as Int32Array, logits.shape[1]!, args.ignoreIndex, args.labelSmoothing);
    return this.out(per, [logits.shape[0]!], 'float32');
  }

  crossEntropyBackward(logits: TensorInfo, labels: TensorInfo, dy: TensorInfo, args: CrossEntropyArgs): TensorInfo {
    const labelIds = this.get(labels.dataId) as Int32Array;
    const g = fast.crossEntropyBackward(this.gemm, this.f32(logits), labelIds, this.f32(dy), logits.shape[1]!, args.ignoreIndex, args.labelSmoothing);
    return this.out(g, [...logits.shape], 'float32');
  }

  adamStep(param: TensorInfo, grad: TensorInfo, m: TensorInfo, v: TensorInfo, args: AdamStepArgs): [TensorInfo, TensorInfo, TensorInfo] {
    const native = (this.mm as Partial<NativeGemm>).adamStep;
    if (native) {
      const [p, g, mm, vv] = [this.f32(param), this.f32(grad), this.f32(m), this.f32(v)];
      const n = p.length;
      const out: [Float32Array, Float32Array, Float32Array] = args.inPlace ? [p, mm, vv] : [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
      native(p, g, mm, vv, out, args);
      if (args.inPlace) {
        this.versions.set(p, (this.versions.get(p) ?? 0) + 1);
        const same = (t: TensorInfo): TensorInfo => ({ dataId: t.dataId, shape: t.shape, dtype: t.dtype });
        return [same(param), same(m), same(v)];
      }
      return [this.out(out[0], param.shape, 'float32'), this.out(out[1], param.shape, 'float32'), this.out(out[2], param.shape, 'float32')];
    }
    if (args.inPlace) {
      this.versions.set(this.f32(param), (this.versions.get(this.f32(param)) ?? 0) + 1);
      fused.adamStep(this.f32(param), this.f32(grad), this.f32(m), this.f32(v), args, [this.f32(param), this.f32(m), this.f32(v)]);
      // Same storage, fresh descriptors (never hand the engine back the tensors it passed in).
      const same = (t: TensorInfo): TensorInfo => ({ dataId: t.dataId, shape: t.shape, dtype: t.dtype });
      return [same(param), same(m), same(v)];
    }
    const [p2, m2, v2] = fused.adamStep(this.f32(param), this.f32(grad), this.f32(m), this.f32(v), args);
    return [this.out(p2, param.shape, 'float32'), this.out(m2, param.shape, 'float32'), this.out(v2, param.shape, 'float32')];
  }

  private attentionData(args: AttentionArgs): AttentionData {
    return {
      q: this.f32(args.q),
      k: this.f32(args.k),
      v: this.f32(args.v),
      qShape: args.q.shape,
      kShape: args.k.shape,
      vShape: args.v.shape,
      mask: args.mask ? { values: this.get(args.mask.dataId) as Uint8Array, shape: args.mask.shape } : undefined,
      causal: args.causal,
      scale: args.scale,
    };
  }

  attention(args: AttentionArgs): TensorInfo {
    const values = attention(this.mm, this.attentionData(args));
    const [b, h, tq] = args.q.shape as [number, number, number];
    return this.out(values, [b, h, tq, args.v.shape[3]!], 'float32');
  }

  attentionBackward(args: AttentionArgs, dy: TensorInfo): [TensorInfo, TensorInfo, TensorInfo] {
    const [dq, dk, dv] = attentionBackward(this.mm, this.attentionData(args), this.f32(dy));
    return [this.out(dq, args.q.shape, 'float32'), this.out(dk, args.k.shape, 'float32'), this.out(dv, args.v.shape, 'float32')];
  }

  geluBackward(x: TensorInfo, dy: TensorInfo, approximate: 'none' | 'tanh'): TensorInfo {
    const native = (this.mm as Partial<NativeGemm>).geluBackward;
    if (native) {
      const out = new Float32Array(this.f32(x).length);
      native(this.f32(x), this.f32(dy), out, approximate);
      return this.out(out, x.shape, 'float32');
    }
    return this.out(geluBackward(this.f32(x), this.f32(dy), approximate), x.shape, 'float32');
  }

  layerNormBackward(x: TensorInfo, gamma: TensorInfo, dy: TensorInfo, eps: number): [TensorInfo, TensorInfo, TensorInfo] {
    const native = (this.mm as Partial<NativeGemm>).layerNormBackward;
    const cols = x.shape.at(-1)!;
    if (native && cols > 0) {
      const xs = this.f32(x);
      const dx = new Float32Array(xs.length);
      const dg = new Float32Array(cols);
      const db = new Float32Array(cols);
      native(xs, this.f32(gamma), this.f32(dy), dx, dg, db, xs.length / cols, cols, eps);
      return [this.out(dx, x.shape, 'float32'), this.out(dg, gamma.shape, 'float32'), this.out(db, gamma.shape, 'float32')];
    }
    const [dx, dg, db] = layerNormBackward(this.f32(x), this.f32(gamma), this.f32(dy), x.shape.at(-1)!, eps);
    return [this.out(dx, x.shape, 'float32'), this.out(dg, gamma.shape, 'float32'), this.out(db, gamma.shape, 'float32')];
  }

  lstmCell(x: TensorInfo, h: TensorInfo, c: TensorInfo, w: TensorInfo, r: TensorInfo, bias: TensorInfo): [TensorInfo, TensorInfo] {
    const [batch, input] = x.shape as [number, number];
    const hidden = h.shape[1]!;
    const [h2, c2] = lstmCell(this.mm, this.f32(x), this.f32(h), this.f32(c), this.f32(w), this.f32(r), this.f32(bias), batch, input, hidden);
    return [this.out(h2, [batch, hidden], 'float32'), this.out(c2, [batch, hidden], 'float32')];
  }

  lstmCellBackward(
    x: TensorInfo,
    h: TensorInfo,
    c: TensorInfo,
    w: TensorInfo,
    r: TensorInfo,
    bias: TensorInfo,
    dh2: TensorInfo,
    dc2: TensorInfo,
  ): [TensorInfo, TensorInfo, TensorInfo, TensorInfo, TensorInfo, TensorInfo] {
    const [batch, input] = x.shape as [number, number];
    const hidden = h.shape[1]!;
    const g = lstmCellBackward(this.mm, this.f32(x), this.f32(h), this.f32(c), this.f32(w), this.f32(r), this.f32(bias), this.f32(dh2), this.f32(dc2), batch, input, hidden);
    const shapes = [x.shape, h.shape, c.shape, w.shape, r.shape, bias.shape];
    return g.map((v, i) => this.out(v, shapes[i]!, 'float32')) as [TensorInfo, TensorInfo, TensorInfo, TensorInfo, TensorInfo, TensorInfo];
  }

  lstmSequence(x: TensorInfo, h0: TensorInfo, c0: TensorInfo, w: TensorInfo, r: TensorInfo, bias: TensorInfo): TensorInfo[] {
    const [T, B, I] = x.shape as [number, number, number];
    const H = h0.shape[1]!;
    const o = lstmSequence(this.mm, { T, B, I, H }, this.f32(x), this.f32(w), this.f32(r), this.f32(bias), this.f32(h0), this.f32(c0));
    return [
      this.out(o.y, [T, B, H], 'float32'),
      this.out(o.hLast, [B, H], 'float32'),
      this.out(o.cLast, [B, H], 'float32'),
      this.out(o.gates, [T, B, 4 * H], 'float32'),
      this.out(o.cs, [T, B, H], 'float32'),
    ];
  }

  lstmSequenceBackward(
    i: { x: TensorInfo; h0: TensorInfo; c0: TensorInfo; w: TensorInfo; r: TensorInfo },
    s: { y: TensorInfo; gates: TensorInfo; cells: TensorInfo },
    g: { dy: TensorInfo; dhLast: TensorInfo; dcLast: TensorInfo },
  ): TensorInfo[] {
    const [T, B, I] = i.x.shape as [number, number, number];
    const H = i.h0.shape[1]!;
    const f = (t: TensorInfo): Float32Array => this.f32(t);
    const d = lstmSequenceBackward(this.mm, { T, B, I, H }, {
      x: f(i.x), w: f(i.w), r: f(i.r), h0: f(i.h0), c0: f(i.c0), y: f(s.y), gates: f(s.gates), cs: f(s.cells),
      dy: f(g.dy), dhLast: f(g.dhLast), dcLast: f(g.dcLast),
    });
    return [
      this.out(d.dx, i.x.shape, 'float32'),
      this.out(d.dh0, [B, H], 'float32'),
      this.out(d.dc0, [B, H], 'float32'),
      this.out(d.dw, i.w.shape, 'float32'),
      this.out(d.dr, i.r.shape, 'float32'),
      this.out(d.dbias, [4 * H], 'float32'),
    ];
  }

  gruCellBackward(
    x: TensorInfo,
    h: TensorInfo,
    w: TensorInfo,
    r: TensorInfo,
    bw: TensorInfo,
    br: TensorInfo,
    dh2: TensorInfo,
  ): [TensorInfo, TensorInfo, TensorInfo, TensorInfo, TensorInfo, TensorInfo] {
    const [batch, input] = x.shape as [number, number];
    const hidden = h.shape[1]!;
    const g = gruCellBackward(this.mm, this.f32(x), this.f32(h), this.f32(w), this.f32(r), this.f32(bw), this.f32(br), this.f32(dh2), batch, input, hidden);
    const shapes = [x.shape, h.shape, w.shape, r.shape, bw.shape, br.shape];
    return g.map((v, i) => this.out(v, shapes[i]!, 'float32')) as [TensorInfo, TensorInfo, TensorInfo, TensorInfo, TensorInfo, TensorInfo];
  }

  gruCell(x: TensorInfo, h: TensorInfo, w: TensorInfo, r: TensorInfo, bw: TensorInfo, br: TensorInfo): TensorInfo {
    const [batch, input] = x.shape as [number, number];
    const hidden = h.shape[1]!;
    return this.out(gruCell(this.mm, this.f32(x), this.f32(h), this.f32(w), this.f32(r), this.f32(bw), this.f32(br), batch, input, hidden), [batch, hidden], 'float32');
  }
}

