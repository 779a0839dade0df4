import type { BinaryOp, CompareOp, UnaryOp } from '../backend.js';
import type { DType } from '../dtype.js';
import { DTypeError } from '../errors.js';
import { broadcastShapes, broadcastedAxes, shapesEqual, type Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { expectTensor, operands, run1, type TensorLike } from './util.js';
import { reshape } from './reshape.js';
import { reduceSumAxes } from './reduce-sum.js';

// ---- unary ------------------------------------------------------------------

type UnaryGrad = (dy: Tensor, x: Tensor, y: Tensor) => Tensor | null;

const FLOAT_ONLY = new Set<UnaryOp>([
  'exp', 'log', 'log1p', 'sqrt', 'rsqrt', 'square', 'reciprocal', 'tanh', 'sigmoid', 'relu', 'sin', 'cos', 'erf', 'floor', 'ceil', 'round',
]);

const UNARY_GRADS: Partial<Record<UnaryOp, UnaryGrad>> = {
  neg: (dy) => neg(dy),
  abs: (dy, x) => mul(dy, sign(x)),
  exp: (dy, _x, y) => mul(dy, y),
  log: (dy, x) => div(dy, x),
  log1p: (dy, x) => div(dy, add(x, 1)),
  sqrt: (dy, _x, y) => div(dy, mul(y, 2)),
  rsqrt: (dy, _x, y) => mul(mul(dy, -0.5), mul(y, square(y))),
  square: (dy, x) => mul(dy, mul(x, 2)),
  reciprocal: (dy, _x, y) => neg(mul(dy, square(y))),
  tanh: (dy, _x, y) => mul(dy, sub(1, square(y))),
  sigmoid: (dy, _x, y) => mul(dy, mul(y, sub(1, y))),
  relu: (dy, x) => mul(dy, cast(greater(x, 0), 'float32')),
  sin: (dy, x) => mul(dy, cos(x)),
  cos: (dy, x) => neg(mul(dy, sin(x))),
  erf: (dy, x) => mul(dy, mul(exp(neg(square(x))), 2 / Math.sqrt(Math.PI))),
};

function unary(op: UnaryOp, x: Tensor): Tensor {
  expectTensor(op, x);
  if (op === 'logicalNot') {
    if (x.dtype !== 'bool') throw new DTypeError(`logicalNot: expected bool input, got ${x.dtype}`);
  } else if (x.dtype === 'bool' || (FLOAT_ONLY.has(op) && x.dtype !== 'float32')) {
    throw new DTypeError(`${op}: expected ${FLOAT_ONLY.has(op) ? 'float32' : 'float32 or int32'} input, got ${x.dtype} (shape [${x.shape.join(',')}])`);
  }
  const rule = UNARY_GRADS[op];
  return run1(x.engine, {
    name: op,
    inputs: [x],
    forward: (be) => be.unary(op, x),
    backward: rule ? (dys, saved) => [rule(dys[0]!, saved.inputs[0]!, saved.outputs[0]!)] : undefined,
    saveOutputs: rule !== undefined,
  });
}

/** -x */
export const neg = (x: Tensor): Tensor => unary('neg', x);
/** |x| */
export const abs = (x: Tensor): Tensor => unary('abs', x);
/** -1, 0 or 1 by the sign of x. */
export const sign = (x: Tensor): Tensor => unary('sign', x);
/** eˣ */
export const exp = (x: Tensor): Tensor => unary('exp', x);
/** Natural log. */
export const log = (x: Tensor): Tensor => unary('log', x);
/** log(1 + x), accurate near 0. */
export const log1p = (x: Tensor): Tensor => unary('log1p', x);
/** √x */
export const sqrt = (x: Tensor): Tensor => unary('sqrt', x);
/** 1/√x */
export const rsqrt = (x: Tensor): Tensor => unary('rsqrt', x);
/** x² */
export const square = (x: Tensor): Tensor => unary('square', x);
/** 1/x */
export const reciprocal = (x: Tensor): Tensor => unary('reciprocal', x);
/** Hyperbolic tangent. */
export const tanh = (x: Tensor): Tensor => unary('tanh', x);
/** Logistic sigmoid 1/(1+e⁻ˣ). */
export const sigmoid = (x: Tensor): Tensor => unary('sigmoid', x);
/** max(x, 0) */
export const relu = (x: Tensor): Tensor => unary('relu', x);
/** sin x */
export const sin = (x: Tensor): Tensor => unary('sin', x);
/** cos x */
export const cos = (x: Tensor): Tensor => unary('cos', x);
/** The Gauss error function. */
export const erf = (x: Tensor): Tensor => unary('erf', x);
/** Rounds down (no gradient). */
export const floor = (x: Tensor): Tensor => unary('floor', x);
/** Rounds up (no gradient). */
export const ceil = (x: Tensor): Tensor => unary('ceil', x);
/** Rounds half to even (no gradient). */
export const round = (x: Tensor): Tensor => unary('round', x);
/** Boolean not. */
export const logicalNot = (x: Tensor): Tensor => unary('logicalNot', x);

// ---- binary -----------------------------------------------------------------

/** Sums a broadcast gradient back down to `shape`. */
export function unbroadcast(g: Tensor, shape: Shape): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const axes = broadcastedAxes(shape, g.shape);
  return reshape(reduceSumAxes(g, axes), shape);
}

type BinaryGrad = (dy: Tensor, a: Tensor, b: Tensor) => [Tensor | null, Tensor | null];

const BINARY_GRADS: Partial<Record<BinaryOp, BinaryGrad>> = {
  add: (dy) => [dy, dy],
  sub: (dy) => [dy, neg(dy)],
  mul: (dy, a, b) => [mul(dy, b), mul(dy, a)],
  div: (dy, a, b) => [div(dy, b), neg(div(mul(dy, a), square(b)))],
  pow: (dy, a, b) => {
    // d/da aᵇ = b·aᵇ⁻¹; d/db aᵇ = aᵇ·ln a (taken as 0 where a <= 0, as the limit is undefined there).
    const da = mul(dy, mul(b, pow(a, sub(b, 1))));
    const safeLog = where(greater(a, 0), log(maximum(a, 1e-30)), 0);
    const db = mul(dy, mul(pow(a, b), safeLog));
    return [da, db];
  },
  maximum: (dy, a, b) => {
    const m = cast(greaterEqual(a, b), 'float32');
    return [mul(dy, m), mul(dy, sub(1, m))];
  },
  minimum: (dy, a, b) => {
    const m = cast(lessEqual(a, b), 'float32');
    return [mul(dy, m), mul(dy, sub(1, m))];
  },
};

function binary(op: BinaryOp, a: TensorLike, b: TensorLike): Tensor {
  const [A, B, free] = operands(op, a, b);
  try {
    const logical = op === 'logicalAnd' || op === 'logicalOr';
    if (A.dtype !== B.dtype) {
      throw new DTypeError(`${op}: operands have different dtypes, ${A.dtype} [${A.shape.join(',')}] and ${B.dtype} [${B.shape.join(',')}]; cast one first`);
    }
    if (logical !== (A.dtype === 'bool')) {
      throw new DTypeError(`${op}: expected ${logical ? 'bool' : 'float32 or int32'} operands, got ${A.dtype}`);
    }
    if (op === 'pow' && A.dtype !== 'float32') throw new DTypeError(`pow: expected float32 operands, got ${A.dtype}`);
    broadcastShapes(op, A.shape, B.shape);
    const rule = A.dtype === 'float32' ? BINARY_GRADS[op] : undefined;
    return run1(A.engine, {
      name: op,
      inputs: [A, B],
      forward: (be) => be.binary(op, A, B),
      backward: rule
        ? (dys, saved) => {
            const [x, y] = saved.inputs as [Tensor, Tensor];
            const [ga, gb] = rule(dys[0]!, x, y);
            return [ga && unbroadcast(ga, x.shape), gb && unbroadcast(gb, y.shape)];
          }
        : undefined,
    });
  } finally {
    free();
  }
}

/** a + b with broadcasting. */
export const add = (a: TensorLike, b: TensorLike): Tensor => binary('add', a, b);
/** a - b with broadcasting. */
export const sub = (a: TensorLike, b: TensorLike): Tensor => binary('sub', a, b);
/** a · b elementwise with broadcasting. */
export const mul = (a: TensorLike, b: TensorLike): Tensor => binary('mul', a, b);
/** a / b with broadcasting (int32: truncates toward zero). */
export const div = (a: TensorLike, b: TensorLike): Tensor => binary('div', a, b);
/** aᵇ (float32). */
export const pow = (a: TensorLike, b: TensorLike): Tensor => binary('pow', a, b);
/** Elementwise max. */
export const maximum = (a: TensorLike, b: TensorLike): Tensor => binary('maximum', a, b);
/** Elementwise min. */
export const minimum = (a: TensorLike, b: TensorLike): Tensor => binary('minimum', a, b);
/** a mod b with the sign of b (Python semantics); no gradient. */
export const mod = (a: TensorLike, b: TensorLike): Tensor => binary('mod', a, b);
/** Boolean and. */
export const logicalAnd = (a: Tensor, b: Tensor): Tensor => binary('logicalAnd', a, b);
/** Boolean or. */
export const logicalOr = (a: Tensor, b: Tensor): Tensor => binary('logicalOr', a, b);

// ---- comparisons, where, cast ---------------------------------------------------

function compare(op: CompareOp, a: TensorLike, b: TensorLike): Tensor {
  const [A, B, free] = operands(op, a, b);
  try {
    if (A.dtype !== B.dtype) {
      throw new DTypeError(`${op}: operands have different dtypes, ${A.dtype} and ${B.dtype}; cast one first`);
    }
    broadcastShapes(op, A.shape, B.shape);
    return run1(A.engine, { name: op, inputs: [A, B], forward: (be) => be.compare(op, A, B) });
  } finally {
    free();
  }
}

/** a == b → bool. */
export const equal = (a: TensorLike, b: TensorLike): Tensor => compare('equal', a, b);
/** a != b → bool. */
export const notEqual = (a: TensorLike, b: TensorLike): Tensor => compare('notEqual', a, b);
/** a < b → bool. */
export const less = (a: TensorLike, b: TensorLike): Tensor => compare('less', a, b);
/** a <= b → bool. */
export const lessEqual = (a: TensorLike, b: TensorLike): Tensor => compare('lessEqual', a, b);
/** a > b → bool. */
export const greater = (a: TensorLike, b: TensorLike): Tensor => compare('greater', a, b);
/** a >= b → bool. */
export const greaterEqual = (a: TensorLike, b: TensorLike): Tensor => compare('greaterEqual', a, b);

/** `cond ? a : b` elementwise; all three broadcast together. Gradients flow to a and b. */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  expectTensor('where', cond, 'condition');
  if (cond.dtype !== 'bool') throw new DTypeError(`where: condition must be bool, got ${cond.dtype}`);
  const [A, B, free] = operands('where', a, b);
  try {
    if (A.dtype !== B.dtype) throw new DTypeError(`where: branches have different dtypes, ${A.dtype} and ${B.dtype}`);
    broadcastShapes('where', cond.shape, A.shape, B.shape);
    return run1(A.engine, {
      name: 'where',
      inputs: [A, B, cond],
      forward: (be) => be.where(cond, A, B),
      backward:
        A.dtype === 'float32'
          ? (dys, saved) => {
              const [x, y, c] = saved.inputs as [Tensor, Tensor, Tensor];
              const dy = dys[0]!;
              return [unbroadcast(where(c, dy, 0), x.shape), unbroadcast(where(c, 0, dy), y.shape), null];
            }
          : undefined,
    });
  } finally {
    free();
  }
}

/** Converts to `dtype`. float→int truncates; →bool is x != 0. Gradient passes through float→float only. */
export function cast(x: Tensor, dtype: DType): Tensor {
  expectTensor('cast', x);
  if (x.dtype === dtype) return reshape(x, x.shape);
  return run1(x.engine, { name: 'cast', inputs: [x], forward: (be) => be.cast(x, dtype) });
}
