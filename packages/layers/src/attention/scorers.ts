/**
 * The built-in attention scorers, registered by name in `layersModule`: `dot`,
 * `scaled-dot`, `general`, `additive`, `cosine` and `location`.
 */
import { injectable } from 'inversify';
import { ArgumentError, ShapeError, add, div, expandDims, matmul, mul, slice, sqrt, square, sum, tanh, type Tensor } from '@heed/core';
import type { AttentionScorer, ScoreDims, ScoreParameters } from './scorer.js';

function sameDims(name: string, params: ScoreParameters, dims: ScoreDims): void {
  if (dims.queryDim !== dims.keyDim) {
    throw new ShapeError(`${params.owner}: the "${name}" score needs queryDim = keyDim, got queryDim ${dims.queryDim} and keyDim ${dims.keyDim}`);
  }
}

/** Luong's dot score: sᵀh. */
@injectable()
export class DotScore implements AttentionScorer {
  init(params: ScoreParameters, dims: ScoreDims): void {
    sameDims('dot', params, dims);
  }

  score(query: Tensor, keys: Tensor): Tensor {
    return matmul(query, keys, { transB: true });
  }
}

/** The Transformer's scaled dot score: sᵀh / √d. */
@injectable()
export class ScaledDotScore implements AttentionScorer {
  init(params: ScoreParameters, dims: ScoreDims): void {
    sameDims('scaled-dot', params, dims);
  }

  score(query: Tensor, keys: Tensor): Tensor {
    return mul(matmul(query, keys, { transB: true }), 1 / Math.sqrt(query.shape[query.rank - 1]!));
  }
}

/** Luong's general (bilinear) score: sᵀWh with `W` [queryDim, keyDim]. */
@injectable()
export class GeneralScore implements AttentionScorer {
  init(params: ScoreParameters, dims: ScoreDims): void {
    params.uniform('W', [dims.queryDim, dims.keyDim], 1 / Math.sqrt(dims.keyDim));
  }

  score(query: Tensor, keys: Tensor, params: ScoreParameters): Tensor {
    return matmul(matmul(query, params.get('W')), keys, { transB: true });
  }
}

/**
 * Bahdanau's additive score: vᵀ tanh(W [s; h]) with `W` [attentionDim, queryDim + keyDim]
 * and `v` [attentionDim]. W is applied to s and h separately (the same product) so the
 * tq·tk pairs only add.
 */
@injectable()
export class AdditiveScore implements AttentionScorer {
  init(params: ScoreParameters, dims: ScoreDims): void {
    const a = dims.attentionDim ?? dims.keyDim;
    params.uniform('W', [a, dims.queryDim + dims.keyDim], 1 / Math.sqrt(dims.queryDim + dims.keyDim));
    params.uniform('v', [a], 1 / Math.sqrt(a));
  }

  score(query: Tensor, keys: Tensor, params: ScoreParameters): Tensor {
    const w = params.get('W');
    const dq = query.shape[query.rank - 1]!;
    const a = w.shape[0]!;
    const wq = slice(w, [0, 0], [a, dq]);
    const wk = slice(w, [0, dq], [a, -1]);
    const qp = matmul(query, wq, { transB: true }); // [b, tq, a]
    const kp = matmul(keys, wk, { transB: true }); // [b, tk, a]
    const e = tanh(add(expandDims(qp, 2), expandDims(kp, 1))); // [b, tq, tk, a]
    return matmul(e, params.get('v')); // [b, tq, tk]
  }
}

/** Graves' content-based score: cosine similarity of s and h. */
@injectable()
export class CosineScore implements AttentionScorer {
  init(params: ScoreParameters, dims: ScoreDims): void {
    sameDims('cosine', params, dims);
  }

  score(query: Tensor, keys: Tensor): Tensor {
    const unit = (x: Tensor): Tensor => div(x, sqrt(add(sum(square(x), -1, { keepDims: true }), 1e-12)));
    return matmul(unit(query), unit(keys), { transB: true });
  }
}

/**
 * Luong's location-based score: softmax(W s) with `W` [maxKeys, queryDim]; it depends on
 * the query and the key positions only (keys are used for their count).
 */
@injectable()
export class LocationScore implements AttentionScorer {
  init(params: ScoreParameters, dims: ScoreDims): void {
    if (!dims.maxKeys) throw new ArgumentError(`${params.owner}: the "location" score needs maxKeys (the longest key sequence)`);
    params.uniform('W', [dims.maxKeys, dims.queryDim], 1 / Math.sqrt(dims.queryDim));
  }

  score(query: Tensor, keys: Tensor, params: ScoreParameters): Tensor {
    const w = params.get('W');
    const tk = keys.shape[1]!;
    if (tk > w.shape[0]!) throw new ShapeError(`${params.owner}: the "location" score was built for at most ${w.shape[0]} keys, got keys [${keys.shape.join(',')}]`);
    return matmul(query, tk === w.shape[0] ? w : slice(w, [0, 0], [tk, -1]), { transB: true });
  }
}

/** The built-in scorers by registered name. */
export const BUILTIN_SCORERS = {
  dot: DotScore,
  'scaled-dot': ScaledDotScore,
  general: GeneralScore,
  additive: AdditiveScore,
  cosine: CosineScore,
  location: LocationScore,
} as const;

