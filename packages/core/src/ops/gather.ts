import { DTypeError, ShapeError } from '../errors.js';
import { fmt, normalizeAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { cast, equal } from './elementwise.js';
import { expectTensor, run1 } from './util.js';
import { arange } from './creation.js';
import { expandDims } from './movement.js';

/**
 * Takes slices of `x` along `axis` at int32 `indices`: the result has shape
 * x.shape[:axis] ++ indices.shape ++ x.shape[axis+1:]. The gradient scatters back
 * with `scatterAdd` (repeated indices accumulate). Out-of-range indices throw on CPU.
 */
export function gather(x: Tensor, indices: Tensor, axis = 0): Tensor {
  expectTensor('gather', x);
  expectTensor('gather', indices, 'indices');
  if (indices.dtype !== 'int32') throw new DTypeError(`gather: indices must be int32, got ${indices.dtype}`);
  const ax = normalizeAxis('gather', axis, x.rank);
  if (x.rank === 0) throw new ShapeError('gather: cannot gather from a scalar');
  return run1(x.engine, {
    name: 'gather',
    inputs: [x, indices],
    forward: (be) => be.gather(x, indices, ax),
    backward:
      x.dtype === 'float32'
        ? (dys, saved) => {
            const [src, idx] = saved.inputs as [Tensor, Tensor];
            return [scatterAdd(idx, dys[0]!, src.shape, ax), null];
          }
        : undefined,
  });
}

/**
 * The adjoint of `gather`: a zero float32 tensor of `shape` into which each slice of
 * `updates` is added at its index along `axis`. Differentiable in `updates`.
 */
export function scatterAdd(indices: Tensor, updates: Tensor, shape: readonly number[], axis = 0): Tensor {
  expectTensor('scatterAdd', indices, 'indices');
  expectTensor('scatterAdd', updates, 'updates');
  if (indices.dtype !== 'int32') throw new DTypeError(`scatterAdd: indices must be int32, got ${indices.dtype}`);
  if (updates.dtype !== 'float32') throw new DTypeError(`scatterAdd: updates must be float32, got ${updates.dtype}`);
  const ax = normalizeAxis('scatterAdd', axis, shape.length);
  const expected = [...shape.slice(0, ax), ...indices.shape, ...shape.slice(ax + 1)];
  if (expected.length !== updates.rank || expected.some((d, i) => d !== updates.shape[i])) {
    throw new ShapeError(`scatterAdd: updates have shape ${fmt(updates.shape)}, expected ${fmt(expected)} for indices ${fmt(indices.shape)} into ${fmt(shape)} on axis ${ax}`);
  }
  return run1(updates.engine, {
    name: 'scatterAdd',
    inputs: [updates, indices],
    forward: (be) => be.scatterAdd(indices, updates, shape, ax),
    backward: (dys, saved) => [gather(dys[0]!, saved.inputs[1]!, ax), null],
  });
}

/** Rows of an embedding matrix [vocab, dim] for int32 ids of any shape → [...ids.shape, dim]. */
export function embedding(weights: Tensor, ids: Tensor): Tensor {
  if (weights.rank !== 2) throw new ShapeError(`embedding: weights must be [vocab, dim], got ${fmt(weights.shape)}`);
  return gather(weights, ids, 0);
}

/** One-hot float32 encoding of int32 `indices` with `depth` classes → [...indices.shape, depth]. */
export function oneHot(indices: Tensor, depth: number): Tensor {
  expectTensor('oneHot', indices, 'indices');
  if (indices.dtype !== 'int32') throw new DTypeError(`oneHot: indices must be int32, got ${indices.dtype}`);
  const classes = arange(0, depth, 1, 'int32');
  const hot = equal(expandDims(indices, -1), classes);
  const out = cast(hot, 'float32');
  classes.dispose();
  hot.dispose();
  return out;
}
