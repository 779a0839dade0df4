/**
 * A backend that wraps another one and counts kernel calls by name: the kind of
 * instrumentation you write to see what a model really runs (did softmax hit the fused
 * kernel or the composite? how many matmuls per step?).
 *
 * Names are `matmul`, `softmax`, … and, for kernels that take an op, `unary:exp`,
 * `binary:add`, `reduce:sum`, `compare:greater`, `argReduce:argmax`. Storage calls
 * (write/read/dispose) are not kernels and are not counted.
 */
import {
  FUSED_KERNELS,
  type ArgReduceOp,
  type Backend,
  type BackendMemory,
  type BinaryOp,
  type CompareOp,
  type DataId,
  type DType,
  type FusedKernels,
  type ReduceOp,
  type Shape,
  type TensorInfo,
  type TypedArray,
  type UnaryOp,
} from '@heed/core';

type FusedName = (typeof FUSED_KERNELS)[number];

/** Counts the kernels run on `inner` and delegates everything to it. */
export class CountingBackend implements Backend {
  readonly name: string;
  private readonly tally = new Map<string, number>();

  // Fused kernels are declared, not defined: core decides between a fused kernel and its
  // composite fallback by checking whether the method exists, so we must expose exactly
  // the ones `inner` has (see the constructor) or we would change what runs.
  declare softmax?: FusedKernels['softmax'];
  declare logSoftmax?: FusedKernels['logSoftmax'];
  declare layerNorm?: FusedKernels['layerNorm'];
  declare gelu?: FusedKernels['gelu'];
  declare attention?: FusedKernels['attention'];
  declare lstmCell?: FusedKernels['lstmCell'];
  declare gruCell?: FusedKernels['gruCell'];
  declare crossEntropy?: FusedKernels['crossEntropy'];
  // Same for the optional synchronous read: only GPU-less backends have it.
  declare readSync?: (dataId: DataId) => TypedArray;

  constructor(
    /** The backend that does the work. */
    readonly inner: Backend,
    name = `counting-${inner.name}`,
  ) {
    this.name = name;
    for (const k of FUSED_KERNELS) this.delegateFused(k);
    if (inner.readSync) this.readSync = (id) => inner.readSync!(id);
  }

  /** Kernel calls so far, by name (a snapshot). */
  get counts(): Record<string, number> {
    return Object.fromEntries([...this.tally].sort(([a], [b]) => a.localeCompare(b)));
  }

  /** Total kernel calls so far. */
  get total(): number {
    let n = 0;
    for (const v of this.tally.values()) n += v;
    return n;
  }

  /** Clears the counts (e.g. between a warm-up and the step you want to profile). */
  reset(): void {
    this.tally.clear();
  }

  private count(name: string): void {
    this.tally.set(name, (this.tally.get(name) ?? 0) + 1);
  }

  private delegateFused<K extends FusedName>(k: K): void {
    const fn = this.inner[k] as ((...args: unknown[]) => unknown) | undefined;
    if (!fn) return;
    const wrapped = (...args: unknown[]): unknown => {
      this.count(k);
      return fn.apply(this.inner, args);
    };
    (this as FusedKernels)[k] = wrapped as FusedKernels[K];
  }

  // ---- storage: delegated, not counted -----------------------------------------------------

  write(values: TypedArray, dtype: DType): DataId {
    return this.inner.write(values, dtype);
  }
  read(dataId: DataId): Promise<TypedArray> {
    return this.inner.read(dataId);
  }
  disposeData(dataId: DataId): void {
    this.inner.disposeData(dataId);
  }
  memory(): BackendMemory {
    return this.inner.memory();
  }
  dispose(): void {
    this.inner.dispose?.();
  }

  // ---- primitive kernels: counted, then delegated ------------------------------------------

  unary(op: UnaryOp, x: TensorInfo): TensorInfo {
    this.count(`unary:${op}`);
    return this.inner.unary(op, x);
  }
  binary(op: BinaryOp, a: TensorInfo, b: TensorInfo): TensorInfo {
    this.count(`binary:${op}`);
    return this.inner.binary(op, a, b);
  }
  compare(op: CompareOp, a: TensorInfo, b: TensorInfo): TensorInfo {
    this.count(`compare:${op}`);
    return this.inner.compare(op, a, b);
  }
  where(cond: TensorInfo, a: TensorInfo, b: TensorInfo): TensorInfo {
    this.count('where');
    return this.inner.where(cond, a, b);
  }
  reduce(op: ReduceOp, x: TensorInfo, axes: readonly number[]): TensorInfo {
    this.count(`reduce:${op}`);
    return this.inner.reduce(op, x, axes);
  }
  argReduce(op: ArgReduceOp, x: TensorInfo, axis: number): TensorInfo {
    this.count(`argReduce:${op}`);
    return this.inner.argReduce(op, x, axis);
  }
  matmul(a: TensorInfo, b: TensorInfo, transA: boolean, transB: boolean): TensorInfo {
    this.count('matmul');
    return this.inner.matmul(a, b, transA, transB);
  }
  transpose(x: TensorInfo, perm: readonly number[]): TensorInfo {
    this.count('transpose');
    return this.inner.transpose(x, perm);
  }
  slice(x: TensorInfo, begin: readonly number[], size: readonly number[]): TensorInfo {
    this.count('slice');
    return this.inner.slice(x, begin, size);
  }
  concat(xs: readonly TensorInfo[], axis: number): TensorInfo {
    this.count('concat');
    return this.inner.concat(xs, axis);
  }
  pad(x: TensorInfo, paddings: readonly (readonly [number, number])[], value: number): TensorInfo {
    this.count('pad');
    return this.inner.pad(x, paddings, value);
  }
  gather(x: TensorInfo, indices: TensorInfo, axis: number): TensorInfo {
    this.count('gather');
    return this.inner.gather(x, indices, axis);
  }
  scatterAdd(indices: TensorInfo, updates: TensorInfo, shape: Shape, axis: number): TensorInfo {
    this.count('scatterAdd');
    return this.inner.scatterAdd(indices, updates, shape, axis);
  }
  cast(x: TensorInfo, dtype: DType): TensorInfo {
    this.count('cast');
    return this.inner.cast(x, dtype);
  }
}
