import { allocArray, dtypeOfArray, isDType, type DType, type TypedArray } from '../dtype.js';
import type { Engine } from '../engine.js';
import { ArgumentError, DTypeError, ShapeError } from '../errors.js';
import { Rng } from '../random.js';
import { fmt, sizeOf, validateShape, type Shape } from '../shape.js';
import type { Tensor, NestedArray } from '../tensor.js';
import { engineOf, expectTensor } from './util.js';

/** Values accepted by `tensor()`: a number, a boolean, nested arrays of them, or a typed array. */
export type TensorValues = number | boolean | NestedArray | TypedArray | readonly number[];

/** Where a creation op should put its tensor (default: the active engine). */
export interface CreateOptions {
  /** The Heed engine to create the tensor on. */
  engine?: Engine;
}

function inferNestedShape(values: unknown): number[] {
  const shape: number[] = [];
  let v = values;
  while (Array.isArray(v)) {
    shape.push(v.length);
    v = v[0];
  }
  return shape;
}

function flattenNested(values: unknown, shape: number[], depth: number, out: number[], op: string): void {
  if (depth === shape.length) {
    if (typeof values === 'number') out.push(values);
    else if (typeof values === 'boolean') out.push(values ? 1 : 0);
    else throw new ArgumentError(`${op}: expected a number or boolean at depth ${depth}, got ${Array.isArray(values) ? 'an array' : typeof values}`);
    return;
  }
  if (!Array.isArray(values) || values.length !== shape[depth]) {
    throw new ShapeError(`${op}: ragged nested array: expected ${shape[depth]} elements at depth ${depth}, got ${Array.isArray(values) ? values.length : typeof values}`);
  }
  for (const v of values) flattenNested(v, shape, depth + 1, out, op);
}

/**
 * Creates a tensor from values. The shape is inferred from nested arrays unless given;
 * the dtype is inferred from a typed array, from booleans (bool), else float32.
 */
export function tensor(values: TensorValues, shape?: readonly number[], dtype?: DType, options: CreateOptions = {}): Tensor {
  const engine = options.engine ?? engineOf();
  if (dtype !== undefined && !isDType(dtype)) throw new DTypeError(`tensor: unknown dtype "${String(dtype)}"; expected float32, int32 or bool`);
  let flat: ArrayLike<number>;
  let inferred: number[];
  let dt: DType;
  const arrayType = dtypeOfArray(values);
  if (arrayType) {
    flat = values as TypedArray;
    inferred = [(values as TypedArray).length];
    dt = dtype ?? arrayType;
  } else {
    inferred = inferNestedShape(values);
    const out: number[] = [];
    flattenNested(values, inferred, 0, out, 'tensor');
    flat = out;
    dt = dtype ?? (firstLeaf(values) === 'boolean' ? 'bool' : 'float32');
  }
  const finalShape = shape ? [...shape] : inferred;
  validateShape('tensor', finalShape);
  if (sizeOf(finalShape) !== flat.length) {
    throw new ShapeError(`tensor: ${flat.length} values do not fill shape ${fmt(finalShape)} (${sizeOf(finalShape)} elements)`);
  }
  const arr = allocArray(dt, flat.length);
  for (let i = 0; i < flat.length; i++) {
    const v = flat[i]!;
    arr[i] = dt === 'bool' ? (v ? 1 : 0) : v;
  }
  return engine.fromHost(arr, finalShape, dt);
}

function firstLeaf(values: unknown): string {
  let v = values;
  while (Array.isArray(v)) v = v[0];
  return typeof v;
}

/** A 0-d tensor. */
export function scalar(value: number | boolean, dtype?: DType, options: CreateOptions = {}): Tensor {
  return tensor(value, [], dtype, options);
}

/** A tensor of `shape` filled with `value`. */
export function full(shape: Shape, value: number, dtype: DType = 'float32', options: CreateOptions = {}): Tensor {
  validateShape('full', shape);
  const arr = allocArray(dtype, sizeOf(shape));
  if (value !== 0) arr.fill(dtype === 'bool' ? (value ? 1 : 0) : value);
  return (options.engine ?? engineOf()).fromHost(arr, [...shape], dtype);
}

/** Zeros of `shape`. */
export const zeros = (shape: Shape, dtype: DType = 'float32', options: CreateOptions = {}): Tensor => full(shape, 0, dtype, options);
/** Ones of `shape`. */
export const ones = (shape: Shape, dtype: DType = 'float32', options: CreateOptions = {}): Tensor => full(shape, 1, dtype, options);

/** Zeros with the shape, dtype and engine of `x`. */
export function zerosLike(x: Tensor): Tensor {
  expectTensor('zerosLike', x);
  return full(x.shape, 0, x.dtype, { engine: x.engine });
}

/** Ones with the shape, dtype and engine of `x`. */
export function onesLike(x: Tensor): Tensor {
  expectTensor('onesLike', x);
  return full(x.shape, 1, x.dtype, { engine: x.engine });
}

/** start, start+step, … up to (not including) stop. */
export function arange(start: number, stop: number, step = 1, dtype: DType = 'float32', options: CreateOptions = {}): Tensor {
  if (step === 0 || !Number.isFinite(step)) throw new ArgumentError(`arange: step must be finite and non-zero, got ${step}`);
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const arr = allocArray(dtype, n);
  for (let i = 0; i < n; i++) arr[i] = start + i * step;
  return (options.engine ?? engineOf()).fromHost(arr, [n], dtype);
}

/** Options of the random creation ops. */
export interface RandomOptions extends CreateOptions {
  /** Seed for a fresh generator (ignored when `rng` is given). Default 0. */
  seed?: number;
  /** A generator to draw from, so successive calls continue one stream. */
  rng?: Rng;
}

/** Normal(mean, std) float32 samples. Reproducible from `seed` or `rng`. */
export function randomNormal(shape: Shape, mean = 0, std = 1, options: RandomOptions = {}): Tensor {
  validateShape('randomNormal', shape);
  const rng = options.rng ?? new Rng(options.seed ?? 0);
  const arr = new Float32Array(sizeOf(shape));
  for (let i = 0; i < arr.length; i++) arr[i] = rng.normal(mean, std);
  return (options.engine ?? engineOf()).fromHost(arr, [...shape], 'float32');
}

/** Uniform [low, high) float32 samples. Reproducible from `seed` or `rng`. */
export function randomUniform(shape: Shape, low = 0, high = 1, options: RandomOptions = {}): Tensor {
  validateShape('randomUniform', shape);
  const rng = options.rng ?? new Rng(options.seed ?? 0);
  const arr = new Float32Array(sizeOf(shape));
  for (let i = 0; i < arr.length; i++) arr[i] = rng.uniform(low, high);
  return (options.engine ?? engineOf()).fromHost(arr, [...shape], 'float32');
}
