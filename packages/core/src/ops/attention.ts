import { vjp } from '../autograd.js';
import { DTypeError, ShapeError } from '../errors.js';
import { fmt } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { add, greaterEqual, logicalAnd, mul } from './elementwise.js';
import { arange } from './creation.js';
import { fusedOrComposite } from './fused.js';
import { matmul } from './matmul.js';
import { reshape } from './reshape.js';
import { maskedSoftmax, softmax } from './softmax.js';
import { expectDType, expectTensor, run1 } from './util.js';

/** Options of `scaledDotProductAttention`. */
export interface AttentionOptions {
  /** Bool mask broadcastable to [batch, heads, tq, tk]; true = may attend. */
  mask?: Tensor;
  /** Hide keys after each query's position (decoder self-attention). */
  causal?: boolean;
  /** Score multiplier; default 1/√d. */
  scale?: number;
}

/** The bool causal mask [tq, tk]: query i may see keys j <= i + (tk − tq). */
export function causalMask(tq: number, tk: number, engine: Tensor['engine']): Tensor {
  const qi = reshape(arange(0, tq, 1, 'int32', { engine }), [tq, 1]);
  const kj = arange(0, tk, 1, 'int32', { engine });
  return greaterEqual(add(qi, tk - tq), kj);
}

function attentionComposite(q: Tensor, k: Tensor, v: Tensor, mask: Tensor | undefined, causal: boolean, scale: number): Tensor {
  let scores = mul(matmul(q, k, { transB: true }), scale);
  let allowed = mask;
  if (causal) {
    const cm = causalMask(q.shape.at(-2)!, k.shape.at(-2)!, q.engine);
    allowed = allowed ? logicalAnd(allowed, cm) : cm;
  }
  if (!allowed) return matmul(softmax(scores), v);
  return matmul(maskedSoftmax(scores, allowed), v);
}

/**
 * softmax(scale · q·kᵀ, masked) · v for q [b, h, tq, d], k [b, h, tk, d], v [b, h, tk, dv]
 * → [b, h, tq, dv]. Fully masked query rows give zeros. Uses the backend's fused
 * kernel when present; the gradient (q, k, v) is that of the composite.
 */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions = {}): Tensor {
  for (const [t, n] of [[q, 'q'], [k, 'k'], [v, 'v']] as const) {
    expectTensor('attention', t, n);
    expectDType('attention', t, 'float32');
    if (t.rank !== 4) throw new ShapeError(`attention: ${n} must be [batch, heads, time, dim], got ${fmt(t.shape)}`);
  }
  const [b, h, tq, d] = q.shape as [number, number, number, number];
  const tk = k.shape[2]!;
  if (k.shape[0] !== b || k.shape[1] !== h || k.shape[3] !== d || v.shape[0] !== b || v.shape[1] !== h || v.shape[2] !== tk) {
    throw new ShapeError(`attention: q ${fmt(q.shape)}, k ${fmt(k.shape)} and v ${fmt(v.shape)} do not agree (k must be [${b},${h},tk,${d}], v [${b},${h},${tk},dv])`);
  }
  const mask = options.mask;
  if (mask) {
    expectTensor('attention', mask, 'mask');
    if (mask.dtype !== 'bool') throw new DTypeError(`attention: mask must be bool (true = attend), got ${mask.dtype}`);
    const target = [b, h, tq, tk];
    const off = 4 - mask.rank;
    if (mask.rank > 4 || mask.shape.some((dd, i) => dd !== 1 && dd !== target[i + off])) {
      throw new ShapeError(`attention: mask ${fmt(mask.shape)} does not broadcast to [batch, heads, tq, tk] = ${fmt(target)}`);
    }
  }
  const causal = options.causal ?? false;
  const scale = options.scale ?? 1 / Math.sqrt(d);
  const inputs = mask ? [q, k, v, mask] : [q, k, v];
  return run1(q.engine, {
    name: 'attention',
    inputs,
    forward: (be) =>
      fusedOrComposite(
        be,
        be.attention && ((bk) => bk.attention!({ q, k, v, mask, causal, scale })),
        () => attentionComposite(q, k, v, mask, causal, scale),
        q.engine,
      ),
    backward: (dys, saved) => {
      const [qs, ks, vs, ms] = saved.inputs as Tensor[];
      const engine = q.engine;
      if (engine.backend.attentionBackward) {
        const ins = ms ? [qs!, ks!, vs!, ms, dys[0]!] : [qs!, ks!, vs!, dys[0]!];
        const g = engine.run({
          name: 'attentionBackward',
          inputs: ins,
          forward: (b) => b.attentionBackward!({ q: qs!, k: ks!, v: vs!, mask: ms, causal, scale }, dys[0]!),
        });
        return mask ? [...g, null] : g;
      }
      const g = vjp((a, bb, c) => attentionComposite(a!, bb!, c!, ms, causal, scale), [qs!, ks!, vs!], dys[0]!);
      return mask ? [...g, null] : g;
    },
  });
}
