import {
  BackendError,
  sizeOf,
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
import { openDevice, type DeviceOptions, type GpuContext } from './device.js';
import { GpuRuntime } from './runtime.js';
import type { KernelHost, RowKernel } from './kernels/host.js';
import { binaryExpr, castExpr, compareExpr, map, unaryExpr } from './kernels/elementwise.js';
import * as mv from './kernels/movement.js';
import { argReduce, reduce } from './kernels/reduce.js';
import { matmul, type MatmulKernel } from './kernels/matmul.js';
import * as fused from './kernels/fused.js';
import { gruCell, lstmCell } from './kernels/rnn.js';

/**
 * GPU storage of one tensor: a pooled storage buffer holding `size` 32-bit words
 * (float32 → f32, int32 → i32, bool → u32 0/1; see wgsl.ts).
 */
class GpuData {
  constructor(
    public buffer: GPUBuffer | undefined,
    readonly size: number,
    readonly dtype: DType,
    readonly owner: WebGpuBackend,
  ) {}
}

/** Options of the WebGPU backend. */
export interface WebGpuBackendOptions extends DeviceOptions {
  /** Force a matmul kernel (default: `blocked` on software adapters, `tiled` on GPUs; see matmul.ts). */
  readonly matmulKernel?: MatmulKernel;
  /** Force how row kernels map rows to invocations (default `auto`: by adapter and shape, see fused.ts). */
  readonly rowKernel?: RowKernel;
}

/**
 * The WebGPU backend: WGSL compute kernels for every primitive and every fused kernel.
 * `read` is the only readback (there is no `readSync`). Gather with an out-of-range index
 * yields zeros and scatterAdd skips it (a GPU kernel cannot throw). Create it with
 * `await WebGpuBackend.create()`.
 */
export class WebGpuBackend implements Backend, KernelHost {
  readonly name = 'webgpu';
  readonly rt: GpuRuntime;
  /** The matmul (and attention) kernel chosen for this adapter. */
  readonly matmulKernel: MatmulKernel;
  /** How row kernels map rows to invocations. */
  readonly rowKernel: RowKernel;
  /** Whether workgroup-per-row kernels use subgroup reductions (the adapter has `subgroups`). */
  readonly subgroups: boolean;
  /** Whether the adapter is a software one (lavapipe, SwiftShader): kernel choice. */
  readonly software: boolean;
  private live = 0;
  private liveBytes = 0;
  private disposed = false;
  /** Held for the device's lifetime (see GpuContext.keepAlive). */
  private readonly keepAlive: unknown;

  private constructor(ctx: GpuContext, options: WebGpuBackendOptions) {
    this.rt = new GpuRuntime(ctx);
    this.keepAlive = ctx.keepAlive;
    this.matmulKernel = options.matmulKernel ?? (ctx.software ? 'blocked' : 'tiled');
    this.rowKernel = options.rowKernel ?? 'auto';
    this.subgroups = ctx.subgroups;
    this.software = ctx.software;
  }

  /** Opens a device (navigator.gpu, or Dawn in Node) and returns a backend on it; throws BackendError without an adapter. */
  static async create(options: WebGpuBackendOptions = {}): Promise<WebGpuBackend> {
    return new WebGpuBackend(await openDevice(options), options);
  }

  /** The adapter, whether it is a software one, and the kernels chosen. */
  get info(): { adapter: string; software: boolean; matmulKernel: MatmulKernel; rowKernel: RowKernel; subgroups: boolean; pipelines: number; dispatches: number; pooled: { buffers: number; bytes: number } } {
    return {
      adapter: this.rt.ctx.adapterDescription,
      software: this.rt.ctx.software,
      matmulKernel: this.matmulKernel,
      rowKernel: this.rowKernel,
      subgroups: this.subgroups,
      pipelines: this.rt.pipelineCount,
      dispatches: this.rt.dispatches,
      pooled: this.rt.pool.stats(),
    };
  }

  // ---- storage ----------------------------------------------------------------------

  private alloc(size: number, dtype: DType): GpuData {
    if (this.disposed) throw new BackendError('webgpu: the backend was disposed');
    const buffer = this.rt.alloc(size * 4);
    this.live++;
    this.liveBytes += buffer.size;
    return new GpuData(buffer, size, dtype, this);
  }

  write(values: TypedArray, dtype: DType): DataId {
    const d = this.alloc(values.length, dtype);
    let words: ArrayBufferView;
    if (dtype === 'float32') words = values instanceof Float32Array ? values : Float32Array.from(values);
    else if (dtype === 'int32') words = values instanceof Int32Array ? values : Int32Array.from(values);
    else words = Uint32Array.from(values, (v) => (v ? 1 : 0));
    this.rt.upload(d.buffer!, words);
    return d;
  }

  /** @internal */
  buf(t: TensorInfo): GPUBuffer {
    const d = t.dataId;
    if (!(d instanceof GpuData) || d.owner !== this) throw new BackendError('webgpu: a tensor from another backend was passed to the WebGPU backend');
    if (!d.buffer) throw new BackendError('webgpu: storage used after disposeData');
    return d.buffer;
  }

  /** @internal */
  out(shape: Shape, dtype: DType): TensorInfo {
    return { dataId: this.alloc(sizeOf(shape), dtype), shape, dtype };
  }

  /** @internal */
  release(t: TensorInfo): void {
    this.disposeData(t.dataId);
  }

  async read(id: DataId): Promise<TypedArray> {
    if (!(id instanceof GpuData) || !id.buffer) throw new BackendError('webgpu: read of storage that is not live on this backend');
    const bytes = await this.rt.read(id.buffer, id.size * 4);
    if (id.dtype === 'float32') return new Float32Array(bytes);
    if (id.dtype === 'int32') return new Int32Array(bytes);
    return Uint8Array.from(new Uint32Array(bytes));
  }

  disposeData(id: DataId): void {
    const d = id as GpuData;
    if (!d.buffer) return;
    this.live--;
    this.liveBytes -= d.buffer.size;
    if (!this.disposed) this.rt.free(d.buffer);
    d.buffer = undefined;
  }

  memory(): BackendMemory {
    return { buffers: this.live, bytes: this.liveBytes };
  }

  /** Waits for submitted work and raises any pending GPU validation error as BackendError. */
  async sync(): Promise<void> {
    await this.rt.checkErrors();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.rt.destroy();
    void this.keepAlive;
  }

  // ---- primitives -----------------------------------------------------------------

  unary(op: UnaryOp, x: TensorInfo): TensorInfo {
    return map(this, op, unaryExpr(op, x.dtype), [x], x.dtype);
  }

  binary(op: BinaryOp, a: TensorInfo, b: TensorInfo): TensorInfo {
    return map(this, op, binaryExpr(op, a.dtype), [a, b], a.dtype);
  }

  compare(op: CompareOp, a: TensorInfo, b: TensorInfo): TensorInfo {
    return map(this, op, compareExpr(op), [a, b], 'bool');
  }

  where(cond: TensorInfo, a: TensorInfo, b: TensorInfo): TensorInfo {
    return map(this, 'where', 'select(x2, x1, x0 != 0u)', [cond, a, b], a.dtype);
  }

  reduce(op: ReduceOp, x: TensorInfo, axes: readonly number[]): TensorInfo {
    return reduce(this, op, x, axes);
  }

  argReduce(op: ArgReduceOp, x: TensorInfo, axis: number): TensorInfo {
    return argReduce(this, op, x, axis);
  }

  matmul(a: TensorInfo, b: TensorInfo, transA: boolean, transB: boolean): TensorInfo {
    return matmul(this, this.matmulKernel, a, b, transA, transB);
  }

  transpose(x: TensorInfo, perm: readonly number[]): TensorInfo {
    return mv.transpose(this, x, perm);
  }

  slice(x: TensorInfo, begin: readonly number[], size: readonly number[]): TensorInfo {
    return mv.slice(this, x, begin, size);
  }

  concat(xs: readonly TensorInfo[], axis: number): TensorInfo {
    return mv.concat(this, xs, axis);
  }

  pad(x: TensorInfo, paddings: readonly (readonly [number, number])[], value: number): TensorInfo {
    return mv.pad(this, x, paddings, value);
  }

  gather(x: TensorInfo, indices: TensorInfo, axis: number): TensorInfo {
    return mv.gather(this, x, indices, axis);
  }

  scatterAdd(indices: TensorInfo, updates: TensorInfo, shape: Shape, axis: number): TensorInfo {
    return mv.scatterAdd(this, indices, updates, shape, axis);
  }

  cast(x: TensorInfo, dtype: DType): TensorInfo {
    if (x.dtype === dtype) return mv.clone(this, x);
    return map(this, 'cast', castExpr(x.dtype, dtype), [x], dtype);
  }

  // ---- fused ----------------------------------------------------------------------------

  softmax(x: TensorInfo): TensorInfo {
    return fused.softmax(this, x);
  }

  logSoftmax(x: TensorInfo): TensorInfo {
    return fused.logSoftmax(this, x);
  }

  layerNorm(x: TensorInfo, gamma: TensorInfo, beta: TensorInfo, eps: number): TensorInfo {
    return fused.layerNorm(this, x, gamma, beta, eps);
  }

  gelu(x: TensorInfo, approximate: 'none' | 'tanh'): TensorInfo {
    return map(this, 'gelu', approximate === 'tanh' ? 'gelu_tanh_(x0)' : 'gelu_(x0)', [x], 'float32');
  }

  crossEntropy(logits: TensorInfo, labels: TensorInfo, args: CrossEntropyArgs): TensorInfo {
    return fused.crossEntropy(this, logits, labels, args);
  }

  crossEntropyBackward(logits: TensorInfo, labels: TensorInfo, dy: TensorInfo, args: CrossEntropyArgs): TensorInfo {
    return fused.crossEntropyBackward(this, logits, labels, dy, args);
  }

  adamStep(param: TensorInfo, grad: TensorInfo, m: TensorInfo, v: TensorInfo, args: AdamStepArgs): [TensorInfo, TensorInfo, TensorInfo] {
    return fused.adamStep(this, param, grad, m, v, args);
  }

  attention(args: AttentionArgs): TensorInfo {
    return fused.attention(this, this.matmulKernel, args);
  }

  lstmCell(x: TensorInfo, h: TensorInfo, c: TensorInfo, w: TensorInfo, r: TensorInfo, bias: TensorInfo): [TensorInfo, TensorInfo] {
    return lstmCell(this, this.matmulKernel, x, h, c, w, r, bias);
  }

  gruCell(x: TensorInfo, h: TensorInfo, w: TensorInfo, r: TensorInfo, bw: TensorInfo, br: TensorInfo): TensorInfo {
    return gruCell(this, this.matmulKernel, x, h, w, r, bw, br);
  }
}
