import { broadcastShapes, sizeOf, type BinaryOp, type CompareOp, type DType, type Shape, type TensorInfo, type UnaryOp } from '@heed/core';
import { MAIN_1D, MATH, grid, wgslType } from '../wgsl.js';
import { accessOf, broadcastStrides, type Access, type KernelHost } from './host.js';

/**
 * The generic elementwise ("map") kernel: N inputs read with broadcasting, one output,
 * `expr` over the loaded values x0…x{N-1}. The pipeline key is the expression, dtypes,
 * access modes and rank (the shape class); shapes and strides are parameters, so one
 * pipeline serves every shape of that class.
 */
export function map(host: KernelHost, name: string, expr: string, inputs: readonly TensorInfo[], outDtype: DType, outShape?: Shape): TensorInfo {
  const shape = outShape ?? (inputs.length === 1 ? [...inputs[0]!.shape] : broadcastShapes(name, ...inputs.map((x) => x.shape)));
  const out = host.out(shape, outDtype);
  const n = sizeOf(shape);
  if (n === 0) return out;
  const modes: Access[] = inputs.map((x) => accessOf(x.shape, shape));
  const strided = inputs.map((_, k) => k).filter((k) => modes[k] === 'strided');
  const rank = strided.length ? shape.length : 0;
  const key = `map|${expr}|${inputs.map((x, k) => `${x.dtype}:${modes[k]}`).join(',')}|${outDtype}|r${rank}`;
  const pipeline = host.rt.pipeline(key, () => mapShader(inputs.map((x) => wgslType(x.dtype)), modes, wgslType(outDtype), rank, expr));
  const params = [n, ...(rank ? shape : [])];
  for (const k of strided) params.push(...broadcastStrides(inputs[k]!.shape, shape));
  host.rt.dispatch(name, pipeline, [...inputs.map((x) => host.buf(x)), host.buf(out)], Uint32Array.from(params), grid(n));
  return out;
}

function mapShader(types: readonly string[], modes: readonly Access[], outType: string, rank: number, expr: string): string {
  const n = types.length;
  const decl = types.map((t, k) => `@group(0) @binding(${k}) var<storage, read> in${k}: array<${t}>;`).join('\n');
  const strided = modes.map((m, k) => (m === 'strided' ? k : -1)).filter((k) => k >= 0);
  let body = '';
  if (strided.length) {
    body += strided.map((k) => `  var o${k} = 0u;`).join('\n') + '\n';
    body += `  var rem = i;\n  for (var d = ${rank - 1}; d >= 0; d--) {\n    let dim = p[1 + d];\n    let c = rem % dim;\n    rem = rem / dim;\n`;
    strided.forEach((k, slot) => {
      body += `    o${k} += c * p[${1 + rank + slot * rank} + d];\n`;
    });
    body += '  }\n';
  }
  body += modes.map((m, k) => `  let x${k} = in${k}[${m === 'same' ? 'i' : m === 'scalar' ? '0u' : `o${k}`}];`).join('\n');
  return `${decl}
@group(0) @binding(${n}) var<storage, read_write> out: array<${outType}>;
@group(0) @binding(${n + 1}) var<storage, read> p: array<u32>;
${MATH}
${MAIN_1D}
  if (i >= p[0]) { return; }
${body}
  out[i] = ${expr};
}`;
}

const UNARY_F32: Record<Exclude<UnaryOp, 'logicalNot'>, string> = {
  neg: '-x0',
  abs: 'abs(x0)',
  sign: 'sign(x0)',
  exp: 'exp(x0)',
  log: 'log(x0)',
  log1p: 'log1p_(x0)',
  sqrt: 'sqrt(x0)',
  rsqrt: '1.0 / sqrt(x0)',
  square: 'x0 * x0',
  reciprocal: '1.0 / x0',
  tanh: 'tanh_(x0)',
  sigmoid: 'sigmoid_(x0)',
  relu: 'max(x0, 0.0)',
  sin: 'sin(x0)',
  cos: 'cos(x0)',
  erf: 'erf_(x0)',
  floor: 'floor(x0)',
  ceil: 'ceil(x0)',
  round: 'round(x0)',
};

/** WGSL expression of a unary op for a dtype. */
export function unaryExpr(op: UnaryOp, dtype: DType): string {
  if (op === 'logicalNot') return '1u - min(x0, 1u)';
  if (dtype === 'int32') {
    if (op === 'neg') return '0 - x0';
    if (op === 'abs') return 'select(x0, 0 - x0, x0 < 0)';
    if (op === 'sign') return 'sign(x0)';
    return `i32(${UNARY_F32[op].replaceAll('x0', 'f32(x0)')})`;
  }
  return UNARY_F32[op];
}

/** WGSL expression of a binary op for a dtype. */
export function binaryExpr(op: BinaryOp, dtype: DType): string {
  if (dtype === 'bool') {
    const table: Partial<Record<BinaryOp, string>> = { logicalAnd: 'x0 & x1', logicalOr: 'x0 | x1', maximum: 'max(x0, x1)', minimum: 'min(x0, x1)', mul: 'x0 & x1', add: 'x0 | x1' };
    return table[op] ?? 'select(0u, 1u, (x0 | x1) != 0u)';
  }
  if (dtype === 'int32') {
    switch (op) {
      case 'add': return 'x0 + x1';
      case 'sub': return 'x0 - x1';
      case 'mul': return 'x0 * x1';
      case 'div': return 'divi_(x0, x1)';
      case 'mod': return 'modi_(x0, x1)';
      case 'maximum': return 'max(x0, x1)';
      case 'minimum': return 'min(x0, x1)';
      case 'pow': return 'i32(pow_(f32(x0), f32(x1)))';
      default: return 'select(0, 1, x0 != 0 && x1 != 0)';
    }
  }
  switch (op) {
    case 'add': return 'x0 + x1';
    case 'sub': return 'x0 - x1';
    case 'mul': return 'x0 * x1';
    case 'div': return 'x0 / x1';
    case 'pow': return 'pow_(x0, x1)';
    case 'maximum': return 'maxf_(x0, x1)';
    case 'minimum': return 'minf_(x0, x1)';
    case 'mod': return 'modf_(x0, x1)';
    default: return 'select(0.0, 1.0, x0 != 0.0 && x1 != 0.0)';
  }
}

const CMP: Record<CompareOp, string> = { equal: '==', notEqual: '!=', less: '<', lessEqual: '<=', greater: '>', greaterEqual: '>=' };

/** WGSL expression of a comparison (bool output as u32). */
export function compareExpr(op: CompareOp): string {
  return `select(0u, 1u, x0 ${CMP[op]} x1)`;
}

/** WGSL expression of a cast between dtypes. */
export function castExpr(from: DType, to: DType): string {
  if (from === to) return 'x0';
  if (to === 'bool') return from === 'float32' ? 'select(0u, 1u, x0 != 0.0)' : 'select(0u, 1u, x0 != 0)';
  if (to === 'float32') return 'f32(x0)';
  // to int32: WGSL's f32→i32 conversion truncates toward zero (and saturates).
  return from === 'float32' ? 'select(i32(x0), 0, x0 != x0)' : 'i32(x0)';
}
