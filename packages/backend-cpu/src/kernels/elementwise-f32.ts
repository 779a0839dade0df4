import type { BinaryOp, Shape, UnaryOp } from '@heed/core';
import { forEachBroadcastRow } from './broadcast.js';
import { erf, roundHalfEven, sigmoid } from './math.js';

// Float32-only kernels with one loop per op. Keeping every loop monomorphic (one typed
// array type, no indirect call per element) is what makes them fast in V8: the generic
// kernels in elementwise.ts serve int32/bool and the rare ops.

/** Float32 unary op, or undefined when this file has no fast loop for it. */
export function unaryF32(op: UnaryOp, x: Float32Array): Float32Array | undefined {
  const n = x.length;
  const o = new Float32Array(n);
  switch (op) {
    case 'neg':
      for (let i = 0; i < n; i++) o[i] = -x[i]!;
      return o;
    case 'abs':
      for (let i = 0; i < n; i++) o[i] = Math.abs(x[i]!);
      return o;
    case 'exp':
      for (let i = 0; i < n; i++) o[i] = Math.exp(x[i]!);
      return o;
    case 'log':
      for (let i = 0; i < n; i++) o[i] = Math.log(x[i]!);
      return o;
    case 'sqrt':
      for (let i = 0; i < n; i++) o[i] = Math.sqrt(x[i]!);
      return o;
    case 'rsqrt':
      for (let i = 0; i < n; i++) o[i] = 1 / Math.sqrt(x[i]!);
      return o;
    case 'square':
      for (let i = 0; i < n; i++) o[i] = x[i]! * x[i]!;
      return o;
    case 'reciprocal':
      for (let i = 0; i < n; i++) o[i] = 1 / x[i]!;
      return o;
    case 'tanh':
      for (let i = 0; i < n; i++) o[i] = Math.tanh(x[i]!);
      return o;
    case 'sigmoid':
      for (let i = 0; i < n; i++) o[i] = sigmoid(x[i]!);
      return o;
    case 'relu':
      for (let i = 0; i < n; i++) o[i] = x[i]! > 0 ? x[i]! : 0;
      return o;
    case 'erf':
      for (let i = 0; i < n; i++) o[i] = erf(x[i]!);
      return o;
    case 'round':
      for (let i = 0; i < n; i++) o[i] = roundHalfEven(x[i]!);
      return o;
    default:
      return undefined;
  }
}

type Fast = 'add' | 'sub' | 'mul' | 'div' | 'maximum' | 'minimum';
const FAST = new Set<BinaryOp>(['add', 'sub', 'mul', 'div', 'maximum', 'minimum']);

/**
 * Float32 binary op where both operands have the output's size, or one is a scalar.
 * Returns undefined for other layouts or ops.
 */
export function binaryF32(op: BinaryOp, a: Float32Array, b: Float32Array, size: number): Float32Array | undefined {
  if (!FAST.has(op)) return undefined;
  const o = new Float32Array(size);
  if (a.length === size && b.length === size) sameSize(op as Fast, a, b, o);
  else if (a.length === size && b.length === 1) scalarRight(op as Fast, a, b[0]!, o);
  else if (b.length === size && a.length === 1) scalarLeft(op as Fast, a[0]!, b, o);
  else return undefined;
  return o;
}

function sameSize(op: Fast, a: Float32Array, b: Float32Array, o: Float32Array): void {
  const n = o.length;
  switch (op) {
    case 'add':
      for (let i = 0; i < n; i++) o[i] = a[i]! + b[i]!;
      break;
    case 'sub':
      for (let i = 0; i < n; i++) o[i] = a[i]! - b[i]!;
      break;
    case 'mul':
      for (let i = 0; i < n; i++) o[i] = a[i]! * b[i]!;
      break;
    case 'div':
      for (let i = 0; i < n; i++) o[i] = a[i]! / b[i]!;
      break;
    case 'maximum':
      for (let i = 0; i < n; i++) o[i] = a[i]! > b[i]! || a[i] !== a[i] ? a[i]! : b[i]!;
      break;
    case 'minimum':
      for (let i = 0; i < n; i++) o[i] = a[i]! < b[i]! || a[i] !== a[i] ? a[i]! : b[i]!;
      break;
  }
}

function scalarRight(op: Fast, a: Float32Array, s: number, o: Float32Array): void {
  const n = o.length;
  switch (op) {
    case 'add':
      for (let i = 0; i < n; i++) o[i] = a[i]! + s;
      break;
    case 'sub':
      for (let i = 0; i < n; i++) o[i] = a[i]! - s;
      break;
    case 'mul':
      for (let i = 0; i < n; i++) o[i] = a[i]! * s;
      break;
    case 'div':
      for (let i = 0; i < n; i++) o[i] = a[i]! / s;
      break;
    case 'maximum':
      for (let i = 0; i < n; i++) o[i] = a[i]! > s || a[i] !== a[i] ? a[i]! : s;
      break;
    case 'minimum':
      for (let i = 0; i < n; i++) o[i] = a[i]! < s || a[i] !== a[i] ? a[i]! : s;
      break;
  }
}

function scalarLeft(op: Fast, s: number, b: Float32Array, o: Float32Array): void {
  const n = o.length;
  switch (op) {
    case 'add':
      for (let i = 0; i < n; i++) o[i] = s + b[i]!;
      break;
    case 'sub':
      for (let i = 0; i < n; i++) o[i] = s - b[i]!;
      break;
    case 'mul':
      for (let i = 0; i < n; i++) o[i] = s * b[i]!;
      break;
    case 'div':
      for (let i = 0; i < n; i++) o[i] = s / b[i]!;
      break;
    case 'maximum':
      for (let i = 0; i < n; i++) o[i] = s > b[i]! || s !== s ? s : b[i]!;
      break;
    case 'minimum':
      for (let i = 0; i < n; i++) o[i] = s < b[i]! || s !== s ? s : b[i]!;
      break;
  }
}

/** Float32 add/sub/mul/div with general broadcasting, one monomorphic inner loop per op. */
export function broadcastF32(op: BinaryOp, a: Float32Array, aShape: Shape, b: Float32Array, bShape: Shape, shape: Shape, size: number): Float32Array | undefined {
  if (op !== 'add' && op !== 'sub' && op !== 'mul' && op !== 'div') return undefined;
  const o = new Float32Array(size);
  forEachBroadcastRow(shape, [aShape, bShape], (start, [ao, bo], count, [as, bs]) => {
    let ai = ao!;
    let bi = bo!;
    const sa = as!;
    const sb = bs!;
    const end = start + count;
    if (op === 'add') for (let j = start; j < end; j++, ai += sa, bi += sb) o[j] = a[ai]! + b[bi]!;
    else if (op === 'sub') for (let j = start; j < end; j++, ai += sa, bi += sb) o[j] = a[ai]! - b[bi]!;
    else if (op === 'mul') for (let j = start; j < end; j++, ai += sa, bi += sb) o[j] = a[ai]! * b[bi]!;
    else for (let j = start; j < end; j++, ai += sa, bi += sb) o[j] = a[ai]! / b[bi]!;
  });
  return o;
}
