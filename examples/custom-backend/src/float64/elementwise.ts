/**
 * Elementwise kernels of the float64 backend: unary, binary, comparisons, `where`, casts.
 * Every value is computed in double precision; only `read` rounds back to float32.
 */
import { broadcastShapes, type BinaryOp, type CompareOp, type DType, type Shape, type UnaryOp } from '@heed/core';
import { alloc, broadcastOffsets, type Buf } from './layout.js';
import { erf } from './erf.js';

/** A kernel result before it becomes storage. */
export interface Result {
  readonly values: Buf;
  readonly shape: Shape;
}

/** Round half to even, as the contract asks (Math.round rounds half up). */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v - Math.trunc(v)) === 0.5 ? 2 * Math.round(v / 2) : r;
}

const UNARY: Record<UnaryOp, (v: number) => number> = {
  neg: (v) => -v,
  abs: Math.abs,
  sign: Math.sign,
  exp: Math.exp,
  log: Math.log,
  log1p: Math.log1p,
  sqrt: Math.sqrt,
  rsqrt: (v) => 1 / Math.sqrt(v),
  square: (v) => v * v,
  reciprocal: (v) => 1 / v,
  tanh: Math.tanh,
  sigmoid: (v) => 1 / (1 + Math.exp(-v)),
  relu: (v) => (v > 0 ? v : 0),
  sin: Math.sin,
  cos: Math.cos,
  erf,
  floor: Math.floor,
  ceil: Math.ceil,
  round: roundHalfEven,
  logicalNot: (v) => (v ? 0 : 1),
};

/** Applies a unary op; the output dtype is the input's (int32 `neg` wraps like C). */
export function unary(op: UnaryOp, x: Buf, dtype: DType): Buf {
  const f = UNARY[op];
  const out = alloc(dtype, x.length);
  for (let i = 0; i < x.length; i++) out[i] = f(x[i]!);
  return out;
}

/** Python's modulo: the result has the sign of the divisor. */
function pyMod(a: number, b: number): number {
  const r = a % b;
  return r !== 0 && r < 0 !== b < 0 ? r + b : r;
}

const FLOAT_BINARY: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: Math.pow,
  maximum: Math.max,
  minimum: Math.min,
  mod: pyMod,
  logicalAnd: (a, b) => (a && b ? 1 : 0),
  logicalOr: (a, b) => (a || b ? 1 : 0),
};

/**
 * int32 differs from float only where exact integer semantics matter: `mul` must wrap
 * (a double product of two int32 can exceed 2^53), `div` truncates toward zero. The
 * rest are exact in doubles, and storing into an Int32Array wraps modulo 2^32.
 */
const INT_BINARY: Record<BinaryOp, (a: number, b: number) => number> = {
  ...FLOAT_BINARY,
  mul: Math.imul,
  div: (a, b) => Math.trunc(a / b),
};

/** Applies `f` to every pair of broadcast elements of `a` and `b`. */
function zip(a: Buf, aShape: Shape, b: Buf, bShape: Shape, outDType: DType, f: (a: number, b: number) => number): Result {
  const shape = broadcastShapes('float64.binary', aShape, bShape);
  const ia = broadcastOffsets(aShape, shape);
  const ib = broadcastOffsets(bShape, shape);
  const out = alloc(outDType, ia.length);
  for (let i = 0; i < ia.length; i++) out[i] = f(a[ia[i]!]!, b[ib[i]!]!);
  return { values: out, shape };
}

/** Binary op with numpy broadcasting; both operands have `dtype`, and so does the result. */
export function binary(op: BinaryOp, a: Buf, aShape: Shape, b: Buf, bShape: Shape, dtype: DType): Result {
  return zip(a, aShape, b, bShape, dtype, (dtype === 'int32' ? INT_BINARY : FLOAT_BINARY)[op]);
}

const COMPARE: Record<CompareOp, (a: number, b: number) => boolean> = {
  equal: (a, b) => a === b,
  notEqual: (a, b) => a !== b,
  less: (a, b) => a < b,
  lessEqual: (a, b) => a <= b,
  greater: (a, b) => a > b,
  greaterEqual: (a, b) => a >= b,
};

/** Comparison with broadcasting; the result is bool. */
export function compare(op: CompareOp, a: Buf, aShape: Shape, b: Buf, bShape: Shape): Result {
  const f = COMPARE[op];
  return zip(a, aShape, b, bShape, 'bool', (x, y) => (f(x, y) ? 1 : 0));
}

/** `cond ? a : b`, all three broadcast together. */
export function where(cond: Buf, cShape: Shape, a: Buf, aShape: Shape, b: Buf, bShape: Shape, dtype: DType): Result {
  const shape = broadcastShapes('float64.where', cShape, aShape, bShape);
  const ic = broadcastOffsets(cShape, shape);
  const ia = broadcastOffsets(aShape, shape);
  const ib = broadcastOffsets(bShape, shape);
  const out = alloc(dtype, ic.length);
  for (let i = 0; i < ic.length; i++) out[i] = cond[ic[i]!] ? a[ia[i]!]! : b[ib[i]!]!;
  return { values: out, shape };
}

/** float→int truncates toward zero; anything→bool is `x != 0`; int/bool→float is exact. */
export function cast(x: Buf, to: DType): Buf {
  const out = alloc(to, x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    out[i] = to === 'bool' ? (v !== 0 ? 1 : 0) : to === 'int32' ? Math.trunc(v) : v;
  }
  return out;
}
