import { allocArray, sizeOf, type BinaryOp, type CompareOp, type DType, type Shape, type TypedArray, type UnaryOp } from '@heed/core';
import { broadcastShapes, forEachBroadcastRow } from './broadcast.js';
import { erf, roundHalfEven, sigmoid } from './math.js';
import { binaryF32, broadcastF32, unaryF32 } from './elementwise-f32.js';

type Fn1 = (x: number) => number;

const UNARY: Record<UnaryOp, Fn1> = {
  neg: (x) => -x,
  abs: Math.abs,
  sign: Math.sign,
  exp: Math.exp,
  log: Math.log,
  log1p: Math.log1p,
  sqrt: Math.sqrt,
  rsqrt: (x) => 1 / Math.sqrt(x),
  square: (x) => x * x,
  reciprocal: (x) => 1 / x,
  tanh: Math.tanh,
  sigmoid,
  relu: (x) => (x > 0 ? x : 0),
  sin: Math.sin,
  cos: Math.cos,
  erf,
  floor: Math.floor,
  ceil: Math.ceil,
  round: roundHalfEven,
  logicalNot: (x) => (x ? 0 : 1),
};

/** Elementwise unary kernel; output has the input dtype. */
export function unary(op: UnaryOp, x: TypedArray, dtype: DType): TypedArray {
  const fast = dtype === 'float32' ? unaryF32(op, x as Float32Array) : undefined;
  if (fast) return fast;
  const out = allocArray(dtype, x.length);
  const f = UNARY[op];
  for (let i = 0; i < x.length; i++) out[i] = f(x[i]!);
  return out;
}

type Fn2 = (a: number, b: number) => number;

function intDiv(a: number, b: number): number {
  return b === 0 ? 0 : Math.trunc(a / b);
}

function pyMod(a: number, b: number): number {
  if (b === 0) return Number.NaN;
  const r = a % b;
  return r !== 0 && r < 0 !== b < 0 ? r + b : r;
}

function binaryFn(op: BinaryOp, dtype: DType): Fn2 {
  switch (op) {
    case 'add':
      return (a, b) => a + b;
    case 'sub':
      return (a, b) => a - b;
    case 'mul':
      return dtype === 'int32' ? Math.imul : (a, b) => a * b;
    case 'div':
      return dtype === 'int32' ? intDiv : (a, b) => a / b;
    case 'pow':
      return Math.pow;
    case 'maximum':
      return (a, b) => (a > b || Number.isNaN(a) ? a : b);
    case 'minimum':
      return (a, b) => (a < b || Number.isNaN(a) ? a : b);
    case 'mod':
      return pyMod;
    case 'logicalAnd':
      return (a, b) => (a && b ? 1 : 0);
    case 'logicalOr':
      return (a, b) => (a || b ? 1 : 0);
  }
}

const COMPARE: Record<CompareOp, Fn2> = {
  equal: (a, b) => (a === b ? 1 : 0),
  notEqual: (a, b) => (a !== b ? 1 : 0),
  less: (a, b) => (a < b ? 1 : 0),
  lessEqual: (a, b) => (a <= b ? 1 : 0),
  greater: (a, b) => (a > b ? 1 : 0),
  greaterEqual: (a, b) => (a >= b ? 1 : 0),
};

/** Broadcast binary map of `f` into a new array of `outDtype`. */
function broadcast2(f: Fn2, a: TypedArray, aShape: Shape, b: TypedArray, bShape: Shape, outDtype: DType, op: string): { values: TypedArray; shape: number[] } {
  const shape = broadcastShapes(op, aShape, bShape);
  const out = allocArray(outDtype, sizeOf(shape));
  if (a.length === out.length && b.length === out.length) {
    for (let i = 0; i < out.length; i++) out[i] = f(a[i]!, b[i]!);
  } else if (b.length === 1 && a.length === out.length) {
    const bv = b[0]!;
    for (let i = 0; i < out.length; i++) out[i] = f(a[i]!, bv);
  } else if (a.length === 1 && b.length === out.length) {
    const av = a[0]!;
    for (let i = 0; i < out.length; i++) out[i] = f(av, b[i]!);
  } else {
    forEachBroadcastRow(shape, [aShape, bShape], (o, [ao, bo], count, [as, bs]) => {
      let ai = ao!;
      let bi = bo!;
      for (let j = 0; j < count; j++, ai += as!, bi += bs!) out[o + j] = f(a[ai]!, b[bi]!);
    });
  }
  return { values: out, shape };
}

/** Elementwise binary op with broadcasting. */
export function binary(op: BinaryOp, a: TypedArray, aShape: Shape, b: TypedArray, bShape: Shape, dtype: DType): { values: TypedArray; shape: number[] } {
  if (dtype === 'float32') {
    const shape = broadcastShapes(op, aShape, bShape);
    const size = sizeOf(shape);
    const fast =
      binaryF32(op, a as Float32Array, b as Float32Array, size) ?? broadcastF32(op, a as Float32Array, aShape, b as Float32Array, bShape, shape, size);
    if (fast) return { values: fast, shape };
  }
  return broadcast2(binaryFn(op, dtype), a, aShape, b, bShape, dtype, op);
}

/** Elementwise comparison with broadcasting; bool output. */
export function compare(op: CompareOp, a: TypedArray, aShape: Shape, b: TypedArray, bShape: Shape): { values: TypedArray; shape: number[] } {
  return broadcast2(COMPARE[op], a, aShape, b, bShape, 'bool', op);
}

/** cond ? a : b with three-way broadcasting. */
export function where(
  c: TypedArray,
  cShape: Shape,
  a: TypedArray,
  aShape: Shape,
  b: TypedArray,
  bShape: Shape,
  dtype: DType,
): { values: TypedArray; shape: number[] } {
  const shape = broadcastShapes('where', cShape, aShape, bShape);
  const out = allocArray(dtype, sizeOf(shape));
  forEachBroadcastRow(shape, [cShape, aShape, bShape], (o, [co, ao, bo], count, [cs, as, bs]) => {
    let ci = co!;
    let ai = ao!;
    let bi = bo!;
    for (let j = 0; j < count; j++, ci += cs!, ai += as!, bi += bs!) out[o + j] = c[ci] ? a[ai]! : b[bi]!;
  });
  return { values: out, shape };
}

/** dtype conversion: float→int truncates toward zero, →bool is x != 0. */
export function cast(x: TypedArray, to: DType): TypedArray {
  const out = allocArray(to, x.length);
  if (to === 'bool') for (let i = 0; i < x.length; i++) out[i] = x[i] !== 0 ? 1 : 0;
  else if (to === 'int32') for (let i = 0; i < x.length; i++) out[i] = Math.trunc(x[i]!);
  else out.set(x);
  return out;
}
