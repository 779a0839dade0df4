import type { DataId } from './backend.js';
import type { DType, TypedArray } from './dtype.js';
import { sizeOf, type Shape } from './shape.js';
import type { Engine } from './engine.js';
import { DisposedError, ShapeError, DTypeError } from './errors.js';

/** A nested JS array of numbers (or booleans), as returned by `array()`. */
export type NestedArray = number | boolean | NestedArray[];

let nextTensorId = 0;

/** @internal the id the next tensor will get: tensors with ids at or above it are newer. */
export function tensorIdMark(): number {
  return nextTensorId;
}

/**
 * An immutable n-dimensional array living in a backend's storage. Tensors are created
 * by ops (see `ops`), never with `new` by users. Free them with `dispose()` or let a
 * `tidy()` scope do it.
 */
export class Tensor {
  /** Unique id, stable for the tensor's life. */
  readonly id: number = nextTensorId++;
  /** Number of elements. */
  readonly size: number;
  /** @internal storage handle; shared between views (reshape). */
  dataId: DataId;
  /** @internal the engine that owns the storage. */
  readonly engine: Engine;
  /** @internal set by `keep()`: tidy scopes leave it alone. */
  kept = false;
  private disposed = false;

  /** @internal use the ops API to make tensors. */
  constructor(engine: Engine, dataId: DataId, readonly shape: Shape, readonly dtype: DType) {
    this.engine = engine;
    this.dataId = dataId;
    this.size = sizeOf(shape);
  }

  /** Number of dimensions. */
  get rank(): number {
    return this.shape.length;
  }

  /** True once `dispose()` ran. */
  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Reads the values to the host (a copy, row-major). */
  async data(): Promise<TypedArray> {
    this.assertLive('data');
    return this.engine.read(this);
  }

  /** Reads the values synchronously; throws a BackendError on backends that cannot. */
  dataSync(): TypedArray {
    this.assertLive('dataSync');
    return this.engine.readSync(this);
  }

  /** Reads the values as a nested JS array (booleans for bool tensors). */
  async array(): Promise<NestedArray> {
    return toNested(await this.data(), this.shape, this.dtype);
  }

  /** Synchronous `array()`. */
  arraySync(): NestedArray {
    return toNested(this.dataSync(), this.shape, this.dtype);
  }

  /** The single value of a one-element tensor. */
  async item(): Promise<number> {
    if (this.size !== 1) throw new ShapeError(`item: tensor of shape [${this.shape.join(',')}] has ${this.size} elements, not 1`);
    return (await this.data())[0]!;
  }

  /** Releases the tensor; its storage is freed when no view uses it. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.engine.release(this);
  }

  /** @internal throws a DisposedError naming `op` if this tensor was disposed. */
  assertLive(op: string): void {
    if (this.disposed) {
      throw new DisposedError(`${op}: tensor #${this.id} (shape [${this.shape.join(',')}], ${this.dtype}) was used after dispose()`);
    }
  }

  /** A short description, without reading data. */
  toString(): string {
    return `Tensor#${this.id}(${this.dtype}, [${this.shape.join(',')}])`;
  }
}

/**
 * A mutable, named tensor that persists across `tidy()` scopes: model parameters and
 * optimizer state. `assign()` replaces its value in place.
 */
export class Variable extends Tensor {
  /** @internal */
  constructor(engine: Engine, dataId: DataId, shape: Shape, dtype: DType, readonly name: string, public trainable: boolean) {
    super(engine, dataId, shape, dtype);
  }

  /** Replaces the value with `value`'s (same shape and dtype); `value` stays owned by the caller. */
  assign(value: Tensor): void {
    this.assertLive('assign');
    value.assertLive('assign');
    if (value.dtype !== this.dtype) throw new DTypeError(`assign: variable "${this.name}" is ${this.dtype}, value is ${value.dtype}`);
    if (value.shape.length !== this.shape.length || value.shape.some((d, i) => d !== this.shape[i])) {
      throw new ShapeError(`assign: variable "${this.name}" has shape [${this.shape.join(',')}], value has [${value.shape.join(',')}]`);
    }
    this.engine.assignData(this, value);
  }
}

function toNested(values: TypedArray, shape: Shape, dtype: DType): NestedArray {
  const conv = (v: number): number | boolean => (dtype === 'bool' ? v !== 0 : v);
  if (shape.length === 0) return conv(values[0]!);
  const build = (dim: number, offset: number): NestedArray[] => {
    const n = shape[dim]!;
    const stride = sizeOf(shape.slice(dim + 1));
    const out: NestedArray[] = new Array(n);
    for (let i = 0; i < n; i++) {
      out[i] = dim === shape.length - 1 ? conv(values[offset + i]!) : build(dim + 1, offset + i * stride);
    }
    return out;
  };
  return build(0, 0);
}
