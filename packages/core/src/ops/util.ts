import type { TensorInfo } from '../backend.js';
import type { DType } from '../dtype.js';
import { getEngine, type Engine, type OpSpec } from '../engine.js';
import { DTypeError, ArgumentError } from '../errors.js';
import { Tensor } from '../tensor.js';

/** A tensor, or a plain number standing for a scalar of the other operand's dtype. */
export type TensorLike = Tensor | number;

/** The engine of the first tensor among `xs`, else the active one. */
export function engineOf(...xs: unknown[]): Engine {
  for (const x of xs) if (x instanceof Tensor) return x.engine;
  return getEngine();
}

/** Runs a single-output op. */
export function run1(engine: Engine, spec: OpSpec): Tensor {
  return engine.run(spec)[0]!;
}

/** Throws a DTypeError unless `t` has one of `allowed`. */
export function expectDType(op: string, t: Tensor, ...allowed: DType[]): void {
  if (!allowed.includes(t.dtype)) {
    throw new DTypeError(`${op}: expected ${allowed.join(' or ')} input, got ${t.dtype} (shape [${t.shape.join(',')}])`);
  }
}

/** Throws an ArgumentError unless `x` is a Tensor (catches arrays or numbers passed by mistake). */
export function expectTensor(op: string, x: unknown, what = 'input'): asserts x is Tensor {
  if (!(x instanceof Tensor)) {
    throw new ArgumentError(`${op}: ${what} must be a Tensor, got ${x === null ? 'null' : Array.isArray(x) ? 'an array' : typeof x}`);
  }
}

/** Makes a scalar tensor of `dtype` holding `v`. */
export function scalarOf(engine: Engine, v: number, dtype: DType): Tensor {
  const arr = dtype === 'float32' ? new Float32Array([v]) : dtype === 'int32' ? new Int32Array([v]) : new Uint8Array([v ? 1 : 0]);
  return engine.fromHost(arr, [], dtype);
}

/**
 * Resolves a pair of operands where either may be a number: numbers become scalars of
 * the tensor operand's dtype. Returns the tensors and a function that frees the
 * temporaries this made.
 */
export function operands(op: string, a: TensorLike, b: TensorLike): [Tensor, Tensor, () => void] {
  if (typeof a === 'number' && typeof b === 'number') {
    throw new ArgumentError(`${op}: at least one operand must be a Tensor`);
  }
  const engine = engineOf(a, b);
  const temps: Tensor[] = [];
  const resolve = (x: TensorLike, other: TensorLike): Tensor => {
    if (typeof x === 'number') {
      const t = scalarOf(engine, x, (other as Tensor).dtype);
      temps.push(t);
      return t;
    }
    expectTensor(op, x, 'operand');
    return x;
  };
  const A = resolve(a, b);
  const B = resolve(b, a);
  return [A, B, () => temps.forEach((t) => t.dispose())];
}

/** The kernel-level view of a tensor for use inside `forward`. */
export function infoOf(t: Tensor): TensorInfo {
  return t;
}
