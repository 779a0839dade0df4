/**
 * A complete Heed backend written from scratch: every primitive kernel of the contract,
 * computed in double precision, and no fused kernels, so core's composite fallbacks
 * (softmax, layerNorm, gelu, attention, LSTM/GRU cells, crossEntropy) run on top of it.
 *
 * Why write one: as a numerics reference. float32 tensors are stored as Float64Array and
 * only rounded to float32 when read back, so running a model here and on a fast backend
 * tells you how much of a discrepancy is float32 rounding and how much is a bug.
 *
 * The whole contract is: storage (write/read/disposeData/memory) plus the methods of
 * `PrimitiveKernels`. Core validates shapes and dtypes before calling any kernel, and
 * computes every gradient itself, so a kernel only has to be correct on valid input.
 */
import {
  BackendError,
  type ArgReduceOp,
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
import * as ew from './float64/elementwise.js';
import * as la from './float64/linalg.js';
import { argReduce, reduce } from './float64/reduce.js';
import type { Buf } from './float64/layout.js';

/**
 * The storage handle. Core treats a DataId as opaque and only hands it back to us, so it
 * can be any object; a class lets us recognise our own handles.
 */
class F64Data {
  constructor(
    public values: Buf,
    readonly dtype: DType,
  ) {}
}

/** A reference backend that stores float32 tensors as float64 and computes every kernel in double precision. */
export class Float64Backend implements Backend {
  readonly name: string;
  private buffers = 0;
  private bytes = 0;

  constructor(name = 'float64') {
    this.name = name;
  }

  // ---- storage ------------------------------------------------------------------------

  /**
   * Widens float32 to float64 (exactly: every float32 is a double). int32 and bool arrays
   * are kept as they are; the contract lets a backend retain the array it is given.
   */
  write(values: TypedArray, dtype: DType): DataId {
    if (dtype === 'float32') return this.store(Float64Array.from(values), dtype);
    if (dtype === 'int32') return this.store(values instanceof Int32Array ? values : Int32Array.from(values), dtype);
    return this.store(values instanceof Uint8Array ? values : Uint8Array.from(values, (v) => (v ? 1 : 0)), dtype);
  }

  /** Reads back the dtype's normal host array: float32 is rounded here, and only here. */
  async read(id: DataId): Promise<TypedArray> {
    return this.readSync(id);
  }

  /** Host storage, so synchronous reads are free (this makes `tensor.dataSync()` work). */
  readSync(id: DataId): TypedArray {
    const d = this.data(id);
    return d.dtype === 'float32' ? Float32Array.from(d.values) : (d.values.slice() as Int32Array | Uint8Array);
  }

  disposeData(id: DataId): void {
    const d = this.data(id);
    this.buffers--;
    this.bytes -= d.values.byteLength;
    d.values = new Float64Array(0);
  }

  /** What we hold, so the conformance kit (and your tests) can find leaks. */
  memory(): BackendMemory {
    return { buffers: this.buffers, bytes: this.bytes };
  }

  private store(values: Buf, dtype: DType): F64Data {
    this.buffers++;
    this.bytes += values.byteLength;
    return new F64Data(values, dtype);
  }

  private data(id: DataId): F64Data {
    // Catches the classic mistake of mixing tensors of two Heed instances.
    if (!(id instanceof F64Data)) throw new BackendError(`${this.name}: got storage that belongs to another backend`);
    return id;
  }

  private v(x: TensorInfo): Buf {
    return this.data(x.dataId).values;
  }

  /** Wraps a kernel's result as fresh storage (every kernel returns new storage). */
  private out(values: Buf, shape: Shape, dtype: DType): TensorInfo {
    return { dataId: this.store(values, dtype), shape, dtype };
  }

  // ---- primitive kernels ---------------------------------------------------------------

  unary(op: UnaryOp, x: TensorInfo): TensorInfo {
    return this.out(ew.unary(op, this.v(x), x.dtype), x.shape, x.dtype);
  }

  binary(op: BinaryOp, a: TensorInfo, b: TensorInfo): TensorInfo {
    const r = ew.binary(op, this.v(a), a.shape, this.v(b), b.shape, a.dtype);
    return this.out(r.values, r.shape, a.dtype);
  }

  compare(op: CompareOp, a: TensorInfo, b: TensorInfo): TensorInfo {
    const r = ew.compare(op, this.v(a), a.shape, this.v(b), b.shape);
    return this.out(r.values, r.shape, 'bool');
  }

  where(cond: TensorInfo, a: TensorInfo, b: TensorInfo): TensorInfo {
    const r = ew.where(this.v(cond), cond.shape, this.v(a), a.shape, this.v(b), b.shape, a.dtype);
    return this.out(r.values, r.shape, a.dtype);
  }

  reduce(op: ReduceOp, x: TensorInfo, axes: readonly number[]): TensorInfo {
    const r = reduce(op, this.v(x), x.shape, axes, x.dtype);
    return this.out(r.values, r.shape, x.dtype);
  }

  argReduce(op: ArgReduceOp, x: TensorInfo, axis: number): TensorInfo {
    const r = argReduce(op, this.v(x), x.shape, axis);
    return this.out(r.values, r.shape, 'int32');
  }

  matmul(a: TensorInfo, b: TensorInfo, transA: boolean, transB: boolean): TensorInfo {
    const r = la.matmul(this.v(a), a.shape, this.v(b), b.shape, transA, transB);
    return this.out(r.values, r.shape, 'float32');
  }

  transpose(x: TensorInfo, perm: readonly number[]): TensorInfo {
    const r = la.transpose(this.v(x), x.shape, perm, x.dtype);
    return this.out(r.values, r.shape, x.dtype);
  }

  slice(x: TensorInfo, begin: readonly number[], size: readonly number[]): TensorInfo {
    const r = la.slice(this.v(x), x.shape, begin, size, x.dtype);
    return this.out(r.values, r.shape, x.dtype);
  }

  concat(xs: readonly TensorInfo[], axis: number): TensorInfo {
    const dtype = xs[0]!.dtype;
    const r = la.concat(xs.map((x) => ({ values: this.v(x), shape: x.shape })), axis, dtype);
    return this.out(r.values, r.shape, dtype);
  }

  pad(x: TensorInfo, paddings: readonly (readonly [number, number])[], value: number): TensorInfo {
    const r = la.pad(this.v(x), x.shape, paddings, value, x.dtype);
    return this.out(r.values, r.shape, x.dtype);
  }

  gather(x: TensorInfo, indices: TensorInfo, axis: number): TensorInfo {
    const r = la.gather(this.v(x), x.shape, this.v(indices) as Int32Array, indices.shape, axis, x.dtype);
    return this.out(r.values, r.shape, x.dtype);
  }

  scatterAdd(indices: TensorInfo, updates: TensorInfo, shape: Shape, axis: number): TensorInfo {
    const r = la.scatterAdd(this.v(indices) as Int32Array, this.v(updates), shape, axis);
    return this.out(r.values, r.shape, 'float32');
  }

  cast(x: TensorInfo, dtype: DType): TensorInfo {
    return this.out(ew.cast(this.v(x), dtype), x.shape, dtype);
  }

  // No fused kernels on purpose: leaving `softmax`, `layerNorm`, … undefined is how a
  // backend tells core to use its composite fallbacks.
}
