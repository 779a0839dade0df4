import { ShapeError } from '../errors.js';
import { allocArray } from '../dtype.js';
import { broadcastShapes, fmt, shapesEqual, sizeOf, type Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { reshape } from './reshape.js';
import { expectTensor, run1 } from './util.js';

/** Sum over already-normalised, sorted axes (the output drops them). Differentiable. */
export function reduceSumAxes(x: Tensor, axes: readonly number[]): Tensor {
  if (axes.length === 0) return reshape(x, x.shape);
  return run1(x.engine, {
    name: 'sum',
    inputs: [x],
    forward: (be) => be.reduce('sum', x, axes),
    backward: (dys, saved) => {
      const inShape = saved.inputs[0]!.shape;
      return [broadcastTo(reshape(dys[0]!, keepDimsShape(inShape, axes)), inShape)];
    },
    saveInputs: true,
  });
}

/** `shape` with each reduced axis set to 1. */
export function keepDimsShape(shape: Shape, axes: readonly number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

/** Repeats `x` along broadcast dimensions to reach `shape` (numpy broadcasting rules). */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  expectTensor('broadcastTo', x);
  const out = broadcastShapes('broadcastTo', x.shape, shape);
  if (!shapesEqual(out, shape)) throw new ShapeError(`broadcastTo: cannot broadcast ${fmt(x.shape)} to ${fmt(shape)}`);
  if (shapesEqual(x.shape, shape)) return reshape(x, shape);
  return run1(x.engine, {
    name: 'broadcastTo',
    inputs: [x],
    forward: (be) => {
      // x op zeros(shape) broadcasts x to shape with the primitive binary kernel.
      const zeros = { dataId: be.write(allocArray(x.dtype, sizeOf(shape)), x.dtype), shape, dtype: x.dtype };
      const res = be.binary(x.dtype === 'bool' ? 'logicalOr' : 'add', x, zeros);
      be.disposeData(zeros.dataId);
      return res;
    },
    backward: (dys, saved) => {
      const inShape = saved.inputs[0]!.shape;
      const rankDiff = shape.length - inShape.length;
      const axes: number[] = [];
      for (let i = 0; i < shape.length; i++) if (i < rankDiff || (inShape[i - rankDiff] === 1 && shape[i] !== 1)) axes.push(i);
      return [reshape(reduceSumAxes(dys[0]!, axes), inShape)];
    },
    saveInputs: true,
  });
}
