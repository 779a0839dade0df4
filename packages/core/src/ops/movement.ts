import { ArgumentError, DTypeError, ShapeError } from '../errors.js';
import { fmt, normalizeAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { reshape } from './reshape.js';
import { expectTensor, run1 } from './util.js';

/** Permutes dimensions (default: reverses them). */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  expectTensor('transpose', x);
  const p = perm ?? x.shape.map((_, i) => x.rank - 1 - i);
  if (p.length !== x.rank || [...p].sort((a, b) => a - b).some((v, i) => v !== i)) {
    throw new ShapeError(`transpose: perm [${p.join(',')}] is not a permutation of the ${x.rank} axes of ${fmt(x.shape)}`);
  }
  if (p.every((v, i) => v === i)) return reshape(x, x.shape);
  const inverse = new Array<number>(p.length);
  p.forEach((v, i) => (inverse[v] = i));
  return run1(x.engine, {
    name: 'transpose',
    inputs: [x],
    forward: (be) => be.transpose(x, p),
    backward: (dys) => [transpose(dys[0]!, inverse)],
    saveInputs: false,
  });
}

/** Swaps the last two dimensions. */
export function transposeLast2(x: Tensor): Tensor {
  if (x.rank < 2) throw new ShapeError(`transposeLast2: needs rank >= 2, got ${fmt(x.shape)}`);
  const p = x.shape.map((_, i) => i);
  [p[x.rank - 2], p[x.rank - 1]] = [p[x.rank - 1]!, p[x.rank - 2]!];
  return transpose(x, p);
}

/**
 * Contiguous slice: `size[i]` elements from `begin[i]` in each leading dimension given;
 * a size of -1 means "to the end". Missing trailing dimensions are taken whole.
 */
export function slice(x: Tensor, begin: readonly number[], size?: readonly number[]): Tensor {
  expectTensor('slice', x);
  if (begin.length > x.rank || (size && size.length !== begin.length)) {
    throw new ShapeError(`slice: begin [${begin.join(',')}]${size ? ` and size [${size.join(',')}]` : ''} do not fit a tensor of shape ${fmt(x.shape)}`);
  }
  const b: number[] = [];
  const s: number[] = [];
  for (let i = 0; i < x.rank; i++) {
    const start = begin[i] ?? 0;
    const dim = x.shape[i]!;
    const len = size && i < size.length && size[i] !== -1 ? size[i]! : dim - start;
    if (!Number.isInteger(start) || !Number.isInteger(len) || start < 0 || len < 0 || start + len > dim) {
      throw new ShapeError(`slice: begin ${start} size ${len} is out of range for dimension ${i} of shape ${fmt(x.shape)}`);
    }
    b.push(start);
    s.push(len);
  }
  return run1(x.engine, {
    name: 'slice',
    inputs: [x],
    forward: (be) => be.slice(x, b, s),
    backward: (dys, saved) => {
      const shape = saved.inputs[0]!.shape;
      return [pad(dys[0]!, shape.map((d, i) => [b[i]!, d - b[i]! - s[i]!] as [number, number]))];
    },
    saveInputs: true,
  });
}

/** Pads each dimension with `[before, after]` elements of `value` (default 0). */
export function pad(x: Tensor, paddings: readonly (readonly [number, number])[], value = 0): Tensor {
  expectTensor('pad', x);
  if (paddings.length !== x.rank || paddings.some(([a, b]) => !Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b < 0)) {
    throw new ShapeError(`pad: paddings ${JSON.stringify(paddings)} must give non-negative [before, after] for each of the ${x.rank} dims of ${fmt(x.shape)}`);
  }
  return run1(x.engine, {
    name: 'pad',
    inputs: [x],
    forward: (be) => be.pad(x, paddings, value),
    backward: (dys, saved) => {
      const shape = saved.inputs[0]!.shape;
      return [slice(dys[0]!, paddings.map(([a]) => a), shape)];
    },
    saveInputs: true,
  });
}

/** Joins tensors along `axis`; all other dimensions must agree. */
export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  if (!Array.isArray(xs as unknown) || xs.length === 0) throw new ArgumentError('concat: needs a non-empty array of tensors');
  xs.forEach((t, i) => expectTensor('concat', t, `tensor ${i}`));
  const first = xs[0]!;
  const ax = normalizeAxis('concat', axis, first.rank);
  for (const t of xs) {
    if (t.dtype !== first.dtype) throw new DTypeError(`concat: dtypes differ (${first.dtype} and ${t.dtype})`);
    if (t.rank !== first.rank || t.shape.some((d, i) => i !== ax && d !== first.shape[i])) {
      throw new ShapeError(`concat: shapes ${xs.map((y) => fmt(y.shape)).join(', ')} differ outside axis ${ax}`);
    }
  }
  if (xs.length === 1) return reshape(first, first.shape);
  const sizes = xs.map((t) => t.shape[ax]!);
  return run1(first.engine, {
    name: 'concat',
    inputs: xs,
    forward: (be) => be.concat(xs, ax),
    backward: (dys) => split(dys[0]!, sizes, ax),
    saveInputs: false,
  });
}

/** Splits along `axis` into pieces of the given sizes, or into `n` equal pieces. */
export function split(x: Tensor, sizesOrCount: number | readonly number[], axis = 0): Tensor[] {
  expectTensor('split', x);
  const ax = normalizeAxis('split', axis, x.rank);
  const dim = x.shape[ax]!;
  let sizes: number[];
  if (typeof sizesOrCount === 'number') {
    if (!Number.isInteger(sizesOrCount) || sizesOrCount <= 0 || dim % sizesOrCount !== 0) {
      throw new ShapeError(`split: dimension ${ax} of ${fmt(x.shape)} (${dim}) does not split into ${sizesOrCount} equal parts`);
    }
    sizes = new Array<number>(sizesOrCount).fill(dim / sizesOrCount);
  } else {
    sizes = [...sizesOrCount];
    if (sizes.reduce((a, b) => a + b, 0) !== dim) throw new ShapeError(`split: sizes [${sizes.join(',')}] do not add up to dimension ${ax} of ${fmt(x.shape)}`);
  }
  const out: Tensor[] = [];
  let offset = 0;
  for (const s of sizes) {
    const begin = x.shape.map((_, i) => (i === ax ? offset : 0));
    const size = x.shape.map((d, i) => (i === ax ? s : d));
    out.push(slice(x, begin, size));
    offset += s;
  }
  return out;
}

/** Inserts a size-1 dimension at `axis`. */
export function expandDims(x: Tensor, axis = 0): Tensor {
  expectTensor('expandDims', x);
  const ax = normalizeAxis('expandDims', axis, x.rank + 1);
  const shape = [...x.shape];
  shape.splice(ax, 0, 1);
  return reshape(x, shape);
}

/** Removes size-1 dimensions (all, or those in `axes`). */
export function squeeze(x: Tensor, axes?: readonly number[]): Tensor {
  expectTensor('squeeze', x);
  const drop = new Set((axes ?? x.shape.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0)).map((a) => normalizeAxis('squeeze', a, x.rank)));
  for (const a of drop) if (x.shape[a] !== 1) throw new ShapeError(`squeeze: dimension ${a} of ${fmt(x.shape)} is not 1`);
  return reshape(x, x.shape.filter((_, i) => !drop.has(i)));
}

/** Stacks equal-shaped tensors along a new `axis`. */
export function stack(xs: readonly Tensor[], axis = 0): Tensor {
  if (!Array.isArray(xs as unknown) || xs.length === 0) throw new ArgumentError('stack: needs a non-empty array of tensors');
  const first = xs[0]!;
  for (const t of xs) {
    expectTensor('stack', t);
    if (t.rank !== first.rank || t.shape.some((d, i) => d !== first.shape[i])) {
      throw new ShapeError(`stack: shapes differ: ${xs.map((y) => fmt(y.shape)).join(', ')}`);
    }
  }
  const ax = normalizeAxis('stack', axis, first.rank + 1);
  return concat(xs.map((t) => expandDims(t, ax)), ax);
}

/** Splits along `axis` into single slices with that dimension removed. */
export function unstack(x: Tensor, axis = 0): Tensor[] {
  const ax = normalizeAxis('unstack', axis, x.rank);
  return split(x, x.shape[ax]!, ax).map((t) => squeeze(t, [ax]));
}

/** Collapses dimensions from `startAxis` on into one. */
export function flatten(x: Tensor, startAxis = 0): Tensor {
  const ax = normalizeAxis('flatten', startAxis, x.rank);
  return reshape(x, [...x.shape.slice(0, ax), -1]);
}
