/**
 * A user's own attention scorer: bilinear-tanh, s(q, k) = vᵀ tanh((W_q q) ⊙ (W_k k) + b).
 * Additive attention (Bahdanau) adds the projected query and key inside the tanh; this one
 * multiplies them, so a score can only be large where query and key agree along the same
 * hidden directions. It is not one of the built-in scorers (dot, scaled-dot, general,
 * additive, cosine, location).
 *
 * A scorer is an `@injectable()` class with no state of its own: `init` creates its
 * parameters inside the `ScoreParameters` the owning `Attention` layer gives it (so they
 * are named `attn.score.Wq` …, saved and trained with the model), and `score` computes.
 */
import { inject, injectable } from 'inversify';
import { ShapeError, add, expandDims, matmul, mul, tanh, type Tensor } from '@heed/core';
import type { AttentionScorer, ScoreDims, ScoreParameters } from '@heed/layers';

/** Settings of the bilinear-tanh scorer, injected from the container. */
export interface BilinearTanhOptions {
  /** Width of the projections (default: the scorer's `attentionDim`, else keyDim). */
  readonly hidden?: number;
  /** Projections start uniform in ±initScale/√dim (default 1, as a Linear layer). */
  readonly initScale?: number;
}

/** The service identifier of the scorer's settings (any symbol works). */
export const BILINEAR_TANH_OPTIONS = Symbol.for('example.BilinearTanhOptions');

/** s(q, k) = vᵀ tanh((W_q q) ⊙ (W_k k) + b); see the file comment. */
@injectable()
export class BilinearTanhScore implements AttentionScorer {
  // An explicit @inject: tsx/esbuild/oxc emit no decorator metadata for inversify to read.
  constructor(@inject(BILINEAR_TANH_OPTIONS) private readonly options: BilinearTanhOptions) {}

  init(params: ScoreParameters, dims: ScoreDims): void {
    const a = this.options.hidden ?? dims.attentionDim ?? dims.keyDim;
    if (!(Number.isInteger(a) && a > 0)) throw new ShapeError(`${params.owner}: bilinear-tanh needs a positive hidden width, got ${a}`);
    const s = this.options.initScale ?? 1;
    params.uniform('Wq', [a, dims.queryDim], s / Math.sqrt(dims.queryDim));
    params.uniform('Wk', [a, dims.keyDim], s / Math.sqrt(dims.keyDim));
    params.zeros('b', [a]);
    params.uniform('v', [a], 1 / Math.sqrt(a));
  }

  score(query: Tensor, keys: Tensor, params: ScoreParameters): Tensor {
    const qp = matmul(query, params.get('Wq'), { transB: true }); // [b, tq, a]
    const kp = matmul(keys, params.get('Wk'), { transB: true }); // [b, tk, a]
    const e = tanh(add(mul(expandDims(qp, 2), expandDims(kp, 1)), params.get('b'))); // [b, tq, tk, a]
    return matmul(e, params.get('v')); // [b, tq, tk]
  }
}
