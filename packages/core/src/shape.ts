import { ShapeError, ArgumentError } from './errors.js';

/** A tensor shape: one non-negative integer per dimension; `[]` is a scalar. */
export type Shape = readonly number[];

/** Number of elements of a shape (1 for a scalar). */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Formats a shape for error messages: `[2,3]`. */
export function fmt(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

/** The most elements one tensor may hold (the longest typed array every JS engine allows). */
export const MAX_TENSOR_ELEMENTS = 2 ** 31 - 1;

/** Throws a ShapeError unless every dimension is a non-negative integer and the size fits. */
export function validateShape(op: string, shape: Shape): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new ShapeError(`${op}: invalid shape ${fmt(shape)}: dimensions must be non-negative integers`);
    }
  }
  const size = sizeOf(shape);
  if (size > MAX_TENSOR_ELEMENTS) {
    throw new ShapeError(`${op}: shape ${fmt(shape)} has ${size} elements, more than the ${MAX_TENSOR_ELEMENTS} a tensor can hold`);
  }
}

/** Row-major strides of a shape. */
export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

/** True when two shapes are identical. */
export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The numpy broadcast of several shapes: dimensions are aligned on the right and each
 * pair must be equal or contain a 1. (On every op's path, so written without allocations
 * beyond the result.)
 */
export function broadcastShapes(op: string, ...shapes: Shape[]): number[] {
  let rank = 0;
  for (const s of shapes) if (s.length > rank) rank = s.length;
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    let dim = 1;
    let zero = false;
    for (const s of shapes) {
      const d = s[s.length - rank + i] ?? 1;
      if (d === 0) zero = true;
      if (d === 1) continue;
      if (dim !== 1 && dim !== d) {
        throw new ShapeError(`${op}: shapes ${shapes.map(fmt).join(' and ')} cannot be broadcast together (dimension ${i} of the result: ${dim} vs ${d})`);
      }
      dim = d;
    }
    // A 0-sized dimension broadcasts like any other size against 1.
    out[i] = zero ? 0 : dim;
  }
  return out;
}

/** Resolves a possibly negative axis against a rank; throws a ShapeError when out of range. */
export function normalizeAxis(op: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= Math.max(rank, 1) || (rank === 0 && axis !== 0 && axis !== -1)) {
    throw new ShapeError(`${op}: axis ${axis} is out of range for a tensor of rank ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Resolves a list of axes (or all axes when undefined), sorted and de-duplicated. */
export function normalizeAxes(op: string, axes: number | readonly number[] | undefined, rank: number): number[] {
  if (axes === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : axes;
  const out = new Set<number>();
  for (const a of list) {
    const n = normalizeAxis(op, a, rank);
    if (out.has(n)) throw new ArgumentError(`${op}: axis ${a} is listed twice`);
    out.add(n);
  }
  return [...out].sort((x, y) => x - y);
}

/**
 * The axes of `inShape` that were broadcast to reach `outShape`: summing a gradient of
 * `outShape` over these axes (and reshaping) gives a gradient of `inShape`.
 */
export function broadcastedAxes(inShape: Shape, outShape: Shape): number[] {
  const axes: number[] = [];
  const offset = outShape.length - inShape.length;
  for (let i = 0; i < outShape.length; i++) {
    const d = i < offset ? 1 : inShape[i - offset]!;
    if (i < offset || (d === 1 && outShape[i] !== 1)) axes.push(i);
  }
  return axes;
}
