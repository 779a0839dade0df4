import { ShapeError } from '../errors.js';
import { fmt, sizeOf, type Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { expectTensor, run1 } from './util.js';

/** Resolves one `-1` in a target shape against a size. */
export function inferShape(op: string, from: Shape, to: readonly number[]): number[] {
  const size = sizeOf(from);
  let unknown = -1;
  let known = 1;
  to.forEach((d, i) => {
    if (d === -1) {
      if (unknown >= 0) throw new ShapeError(`${op}: only one dimension may be -1, got ${fmt(to)}`);
      unknown = i;
    } else if (!Number.isInteger(d) || d < 0) {
      throw new ShapeError(`${op}: invalid target shape ${fmt(to)}`);
    } else known *= d;
  });
  const out = [...to];
  if (unknown >= 0) {
    if (known === 0 || size % known !== 0) throw new ShapeError(`${op}: cannot reshape ${fmt(from)} (${size} elements) to ${fmt(to)}`);
    out[unknown] = size / known;
  } else if (known !== size) {
    throw new ShapeError(`${op}: cannot reshape ${fmt(from)} (${size} elements) to ${fmt(to)} (${known} elements)`);
  }
  return out;
}

/**
 * A view of `x` with another shape of the same size (one dimension may be -1). Shares
 * storage, so it costs no copy; also the identity op when the shape is unchanged.
 */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  expectTensor('reshape', x);
  const target = inferShape('reshape', x.shape, shape);
  return run1(x.engine, {
    name: 'reshape',
    inputs: [x],
    forward: () => ({ dataId: x.dataId, shape: target, dtype: x.dtype }),
    backward: (dys, saved) => [reshape(dys[0]!, saved.inputs[0]!.shape)],
    saveInputs: true,
  });
}
