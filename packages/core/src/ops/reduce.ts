import type { ReduceOp } from '../backend.js';
import { DTypeError, ShapeError } from '../errors.js';
import { normalizeAxes, normalizeAxis, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { add, cast, div, equal, exp, log, mul, sub } from './elementwise.js';
import { reshape } from './reshape.js';
import { broadcastTo, keepDimsShape, reduceSumAxes } from './reduce-sum.js';
import { expectTensor, run1 } from './util.js';

/** Options of the reductions. */
export interface ReduceOptions {
  /** Keep reduced axes as size-1 dimensions (default false). */
  keepDims?: boolean;
}

type Axes = number | readonly number[] | undefined;

function finish(op: string, y: Tensor, x: Tensor, axes: readonly number[], keepDims: boolean | undefined): Tensor {
  return keepDims ? reshape(y, keepDimsShape(x.shape, axes)) : y;
}

function prepare(op: string, x: Tensor, axes: Axes, allowBool = false): number[] {
  expectTensor(op, x);
  if (x.dtype === 'bool' && !allowBool) throw new DTypeError(`${op}: bool input; cast to int32 or float32 first`);
  return normalizeAxes(op, axes, x.rank);
}

/** Sum over `axes` (all when omitted). */
export function sum(x: Tensor, axes?: Axes, options: ReduceOptions = {}): Tensor {
  const ax = prepare('sum', x, axes);
  return finish('sum', reduceSumAxes(x, ax), x, ax, options.keepDims);
}

/** Mean over `axes` (all when omitted). float32 only. */
export function mean(x: Tensor, axes?: Axes, options: ReduceOptions = {}): Tensor {
  const ax = prepare('mean', x, axes);
  if (x.dtype !== 'float32') throw new DTypeError(`mean: expected float32, got ${x.dtype}`);
  const count = ax.reduce((n, a) => n * x.shape[a]!, 1);
  return finish('mean', div(reduceSumAxes(x, ax), count), x, ax, options.keepDims);
}

function extreme(op: 'max' | 'min', x: Tensor, axes: Axes, options: ReduceOptions): Tensor {
  const ax = prepare(op, x, axes);
  for (const a of ax) if (x.shape[a] === 0) throw new ShapeError(`${op}: cannot reduce over axis ${a} of size 0 (shape [${x.shape.join(',')}])`);
  const kernelOp: ReduceOp = op;
  const y = run1(x.engine, {
    name: op,
    inputs: [x],
    forward: (be) => be.reduce(kernelOp, x, ax),
    backward:
      x.dtype === 'float32'
        ? (dys, saved) => {
            // The gradient is shared equally among the tied extreme elements.
            const input = saved.inputs[0]!;
            const kd = keepDimsShape(input.shape, ax);
            const mask = cast(equal(input, reshape(saved.outputs[0]!, kd)), 'float32');
            const count = reduceSumAxes(mask, ax);
            return [mul(mask, broadcastTo(reshape(div(dys[0]!, count), kd), input.shape))];
          }
        : undefined,
    saveOutputs: true,
  });
  return finish(op, y, x, ax, options.keepDims);
}

/** Maximum over `axes` (all when omitted). */
export const max = (x: Tensor, axes?: Axes, options: ReduceOptions = {}): Tensor => extreme('max', x, axes, options);
/** Minimum over `axes` (all when omitted). */
export const min = (x: Tensor, axes?: Axes, options: ReduceOptions = {}): Tensor => extreme('min', x, axes, options);

/** Product over `axes` (all when omitted). No gradient. */
export function prod(x: Tensor, axes?: Axes, options: ReduceOptions = {}): Tensor {
  const ax = prepare('prod', x, axes);
  const y = run1(x.engine, { name: 'prod', inputs: [x], forward: (be) => be.reduce('prod', x, ax) });
  return finish('prod', y, x, ax, options.keepDims);
}

function argReduce(op: 'argmax' | 'argmin', x: Tensor, axis: number): Tensor {
  expectTensor(op, x);
  if (x.dtype === 'bool') throw new DTypeError(`${op}: bool input; cast first`);
  const a = normalizeAxis(op, axis, x.rank);
  if (x.rank === 0) throw new ShapeError(`${op}: needs a tensor of rank >= 1`);
  if (x.shape[a] === 0) throw new ShapeError(`${op}: axis ${axis} has size 0 (shape [${x.shape.join(',')}])`);
  return run1(x.engine, { name: op, inputs: [x], forward: (be) => be.argReduce(op, x, a) });
}

/** Index of the maximum along `axis` (default last); int32; ties give the first. */
export const argmax = (x: Tensor, axis = -1): Tensor => argReduce('argmax', x, axis);
/** Index of the minimum along `axis` (default last); int32; ties give the first. */
export const argmin = (x: Tensor, axis = -1): Tensor => argReduce('argmin', x, axis);

/** log(sum(exp(x))) over `axes`, computed stably. */
export function logSumExp(x: Tensor, axes?: Axes, options: ReduceOptions = {}): Tensor {
  const ax = prepare('logSumExp', x, axes);
  const m = max(x, ax, { keepDims: true });
  const shifted = sub(x, m);
  const s = log(reduceSumAxes(exp(shifted), ax));
  const y = add(s, reshape(m, s.shape));
  return finish('logSumExp', y, x, ax, options.keepDims);
}

/** Variance over `axes` (population, divides by N). */
export function variance(x: Tensor, axes?: Axes, options: ReduceOptions = {}): Tensor {
  const ax = prepare('variance', x, axes);
  const mu = mean(x, ax, { keepDims: true });
  const d = sub(x, mu);
  return mean(mul(d, d), ax, options);
}

/** Number of elements reduced by `axes` (helper for normalisations). */
export function reducedCount(x: Tensor, axes: readonly number[]): number {
  return sizeOf(axes.map((a) => x.shape[a]!));
}
