import type { Backend, TensorInfo } from '../backend.js';
import { ShapeError } from '../errors.js';
import { normalizeAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { transpose } from './movement.js';
import { expectDType, expectTensor } from './util.js';

/**
 * Runs a fused kernel when the backend has it, else the composite built from primitive
 * ops (without recording; the op's own gradient rule is recorded instead).
 */
export function fusedOrComposite(
  be: Backend,
  kernel: ((be: Backend) => TensorInfo | TensorInfo[]) | undefined,
  composite: () => Tensor | Tensor[],
  engine: Tensor['engine'],
): TensorInfo | TensorInfo[] {
  if (kernel) return kernel(be);
  return engine.noGrad(() => engine.tidy(composite));
}

/** Applies a last-axis op along any axis by moving that axis last and back. */
export function lastAxisOp(op: string, x: Tensor, axis: number, f: (x: Tensor) => Tensor): Tensor {
  expectTensor(op, x);
  expectDType(op, x, 'float32');
  if (x.rank === 0) throw new ShapeError(`${op}: needs rank >= 1, got a scalar`);
  const ax = normalizeAxis(op, axis, x.rank);
  if (ax === x.rank - 1) return f(x);
  const perm = x.shape.map((_, i) => i);
  [perm[ax], perm[x.rank - 1]] = [perm[x.rank - 1]!, perm[ax]!];
  const xt = transpose(x, perm);
  const y = f(xt);
  const out = transpose(y, perm);
  xt.dispose();
  y.dispose();
  return out;
}
