import { DTypeError, ShapeError } from '../errors.js';
import { broadcastShapes, fmt, type Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { add, unbroadcast } from './elementwise.js';
import { fusedOrComposite } from './fused.js';
import { sum } from './reduce.js';
import { reshape } from './reshape.js';
import { expectDType, expectTensor, run1 } from './util.js';

/** Options of `matmul`. */
export interface MatmulOptions {
  /** Use the transpose of the last two dims of `a`. */
  transA?: boolean;
  /** Use the transpose of the last two dims of `b`. */
  transB?: boolean;
}

/**
 * Matrix product with batch broadcasting, like numpy's `matmul`: a [..., m, k] · b [..., k, n]
 * → [..., m, n]. A 1-D `a` is a row vector and a 1-D `b` a column vector; the added
 * dimension is removed from the result.
 */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  expectTensor('matmul', a, 'a');
  expectTensor('matmul', b, 'b');
  if (a.dtype !== 'float32' || b.dtype !== 'float32') {
    throw new DTypeError(`matmul: expected float32 operands, got ${a.dtype} ${fmt(a.shape)} and ${b.dtype} ${fmt(b.shape)}`);
  }
  if (a.rank === 0 || b.rank === 0) throw new ShapeError(`matmul: operands must have rank >= 1, got ${fmt(a.shape)} and ${fmt(b.shape)}`);
  const transA = options.transA ?? false;
  const transB = options.transB ?? false;
  const a2 = a.rank === 1 ? reshape(a, [1, a.shape[0]!]) : a;
  const b2 = b.rank === 1 ? reshape(b, [b.shape[0]!, 1]) : b;
  const ta = a.rank === 1 ? false : transA;
  const tb = b.rank === 1 ? false : transB;
  const out = matmul2(a2, b2, ta, tb);
  if (a.rank > 1 && b.rank > 1) return out;
  const shape = [...out.shape];
  if (b.rank === 1) shape.pop();
  if (a.rank === 1) shape.splice(shape.length - (b.rank === 1 ? 1 : 2), 1);
  const squeezed = reshape(out, shape);
  if (a2 !== a) a2.dispose();
  if (b2 !== b) b2.dispose();
  out.dispose();
  return squeezed;
}

/** The output shape of a batched matmul, validating the contraction dims. */
export function matmulShape(aShape: Shape, bShape: Shape, transA: boolean, transB: boolean): number[] {
  const [m, k1] = transA ? [aShape.at(-1)!, aShape.at(-2)!] : [aShape.at(-2)!, aShape.at(-1)!];
  const [k2, n] = transB ? [bShape.at(-1)!, bShape.at(-2)!] : [bShape.at(-2)!, bShape.at(-1)!];
  if (k1 !== k2) {
    throw new ShapeError(
      `matmul: inner dimensions differ: a ${fmt(aShape)}${transA ? 'ᵀ' : ''} has ${k1} columns, b ${fmt(bShape)}${transB ? 'ᵀ' : ''} has ${k2} rows`,
    );
  }
  const batch = broadcastShapes('matmul (batch dimensions)', aShape.slice(0, -2), bShape.slice(0, -2));
  return [...batch, m, n];
}

function matmul2(a: Tensor, b: Tensor, transA: boolean, transB: boolean): Tensor {
  matmulShape(a.shape, b.shape, transA, transB);
  return run1(a.engine, {
    name: 'matmul',
    inputs: [a, b],
    forward: (be) => be.matmul(a, b, transA, transB),
    backward: (dys, saved) => {
      const [A, B] = saved.inputs as [Tensor, Tensor];
      const dC = dys[0]!;
      // With op(X) = X or Xᵀ: d op(A) = dC · op(B)ᵀ and d op(B) = op(A)ᵀ · dC.
      const dA = transA ? matmul2(B, dC, transB, true) : matmul2(dC, B, false, !transB);
      const dB = transB ? matmul2(dC, A, true, transA) : matmul2(A, dC, !transA, false);
      return [unbroadcast(dA, A.shape), unbroadcast(dB, B.shape)];
    },
  });
}


/**
 * A dense layer: x [m, in] · wᵀ + bias for w [out, in] (PyTorch's layout) and an optional
 * bias [out] → [m, out]. One op: a backend with the fused `linear` kernel adds the bias in
 * the product's epilogue instead of a separate pass (and tensor).
 */
export function linear(x: Tensor, w: Tensor, bias?: Tensor): Tensor {
  expectTensor('linear', x, 'x');
  expectTensor('linear', w, 'w');
  for (const t of bias ? [x, w, bias] : [x, w]) expectDType('linear', t, 'float32');
  if (x.rank !== 2 || w.rank !== 2 || x.shape[1] !== w.shape[1]) {
    throw new ShapeError(`linear: x must be [m, in] and w [out, in] with the same in, got ${fmt(x.shape)} and ${fmt(w.shape)}`);
  }
  if (bias && (bias.rank !== 1 || bias.shape[0] !== w.shape[0])) throw new ShapeError(`linear: bias must be [${w.shape[0]}], got ${fmt(bias.shape)}`);
  const composite = (): Tensor => {
    const y = matmul2(x, w, false, true);
    return bias ? add(y, bias) : y;
  };
  return run1(x.engine, {
    name: 'linear',
    inputs: bias ? [x, w, bias] : [x, w],
    forward: (be) => fusedOrComposite(be, be.linear && ((b) => b.linear!(x, w, bias)), composite, x.engine),
    backward: (dys, saved) => {
      const [X, W] = saved.inputs as [Tensor, Tensor];
      const dy = dys[0]!;
      const dx = matmul2(dy, W, false, false);
      const dw = matmul2(dy, X, true, false);
      return bias ? [dx, dw, sum(dy, 0)] : [dx, dw];
    },
  });
}
