import { ShapeError, TOKENS, expandDims, matmul, maskedSoftmax, reshape, softmax, squeeze, type Heed, type Tensor } from '@heed/core';
import { fmt } from '../check.js';
import { Module, type ModuleOptions } from '../module.js';
import { ScoreParameters, type AttentionScorer, type ScoreDims } from './scorer.js';

/** Options of `Attention`. */
export interface AttentionLayerOptions extends ModuleOptions, ScoreDims {
  /** Name of the scorer registered under `TOKENS.AttentionScore` (built in: dot, scaled-dot, general, additive, cosine, location). */
  readonly score: string;
}

/** Result of `Attention.forward`. */
export interface AttentionResult {
  /** Weighted sums of the values: [batch, tq, valueDim] (or [batch, valueDim] for a single query). */
  context: Tensor;
  /** Attention weights [batch, tq, tk] (or [batch, tk]); rows sum to 1, fully masked rows are 0. */
  weights: Tensor;
}

/**
 * Attention with a pluggable scoring function (seq2seq attention): weights =
 * softmax(score(query, keys)) over the unmasked keys, context = weights · values.
 * The scorer is resolved by name from the app's container when the layer is built, so
 * a user's scorer registered in their own ContainerModule works like a built-in one;
 * an unknown name throws PluginNotFoundError listing the registered names.
 * The scorer's parameters are the child `score` (e.g. `attn.score.W`).
 */
export class Attention extends Module {
  readonly scorer: AttentionScorer;
  readonly scoreParams: ScoreParameters;
  readonly scoreName: string;
  readonly dims: ScoreDims;

  constructor(heed: Heed, options: AttentionLayerOptions) {
    super({ engine: heed.engine, ...options });
    this.scoreName = options.score;
    this.dims = { queryDim: options.queryDim, keyDim: options.keyDim, ...(options.attentionDim !== undefined && { attentionDim: options.attentionDim }), ...(options.maxKeys !== undefined && { maxKeys: options.maxKeys }) };
    this.scorer = heed.get<AttentionScorer>(TOKENS.AttentionScore, options.score, 'attention score');
    this.scoreParams = this.child('score', new ScoreParameters(this.layerName, this.childOptions));
    this.scorer.init(this.scoreParams, this.dims);
  }

  override get layerName(): string {
    return `Attention(score=${this.scoreName}, query=${this.dims?.queryDim}, key=${this.dims?.keyDim})`;
  }

  /**
   * Attends from `query` [batch, tq, queryDim] (or [batch, queryDim]) over `keys`
   * [batch, tk, keyDim]; `values` [batch, tk, valueDim] default to the keys. `keyMask`
   * (bool [batch, tk], true = a real key) hides padding.
   */
  forward(query: Tensor, keys: Tensor, values: Tensor = keys, options: { keyMask?: Tensor } = {}): AttentionResult {
    const single = query.rank === 2;
    const q = single ? expandDims(query, 1) : query;
    const [b, , dq] = q.shape as [number, number, number];
    if (q.rank !== 3 || dq !== this.dims.queryDim) throw new ShapeError(`${this.layerName}: query must be [batch, tq, ${this.dims.queryDim}] or [batch, ${this.dims.queryDim}], got ${fmt(query.shape)}`);
    if (keys.rank !== 3 || keys.shape[0] !== b || keys.shape[2] !== this.dims.keyDim) {
      throw new ShapeError(`${this.layerName}: keys must be [${b}, tk, ${this.dims.keyDim}] (batch, keys, keyDim), got ${fmt(keys.shape)}`);
    }
    const tk = keys.shape[1]!;
    if (values.rank !== 3 || values.shape[0] !== b || values.shape[1] !== tk) {
      throw new ShapeError(`${this.layerName}: values must be [${b}, ${tk}, valueDim] to match keys ${fmt(keys.shape)}, got ${fmt(values.shape)}`);
    }
    const mask = options.keyMask;
    if (mask && (mask.dtype !== 'bool' || mask.rank !== 2 || mask.shape[0] !== b || mask.shape[1] !== tk)) {
      throw new ShapeError(`${this.layerName}: keyMask must be bool [${b}, ${tk}] (batch, keys; true = attend), got ${mask.dtype} ${fmt(mask.shape)}`);
    }
    return this.engine.tidy(() => {
      const scores = this.scorer.score(q, keys, this.scoreParams);
      if (scores.rank !== 3 || scores.shape[0] !== b || scores.shape[1] !== q.shape[1] || scores.shape[2] !== tk) {
        throw new ShapeError(`${this.layerName}: the "${this.scoreName}" scorer returned ${fmt(scores.shape)}, expected [${b},${q.shape[1]},${tk}]`);
      }
      const weights = mask ? maskedSoftmax(scores, reshape(mask, [b, 1, tk])) : softmax(scores);
      const context = matmul(weights, values);
      return single ? { context: squeeze(context, [1]), weights: squeeze(weights, [1]) } : { context, weights };
    });
  }
}
