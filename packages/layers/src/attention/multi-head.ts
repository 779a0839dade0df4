import {
  ArgumentError,
  ShapeError,
  causalMask,
  concat,
  dropout,
  logicalAnd,
  maskedSoftmax,
  matmul,
  mul,
  reshape,
  scaledDotProductAttention,
  softmax,
  transpose,
  type Tensor,
} from '@heed/core';
import { fmt } from '../check.js';
import { Linear } from '../linear.js';
import { Module, type ModuleOptions } from '../module.js';
import type { KVCache } from './kv-cache.js';

/** Options of `MultiHeadAttention`. */
export interface MultiHeadAttentionOptions extends ModuleOptions {
  /** Size of key inputs (default dModel). */
  kDim?: number;
  /** Size of value inputs (default dModel). */
  vDim?: number;
  /** Biases on the four projections (default true). */
  bias?: boolean;
  /** Dropout on the attention weights in training mode (default 0). */
  dropout?: number;
}

/** Per-call options of `MultiHeadAttention.forward`. */
export interface MultiHeadAttentionCall {
  /** Bool [batch, tk], true = a real key (false hides padding). With a cache, tk counts cached keys too. */
  keyMask?: Tensor;
  /** Bool mask, true = may attend: [tq, tk], [batch, tq, tk] or [batch, heads, tq, tk]. */
  mask?: Tensor;
  /** Hide keys after each query's position (with a cache, queries are the last tq positions). */
  causal?: boolean;
  /** Also return the attention weights [batch, heads, tq, tk] (computes them explicitly). */
  needWeights?: boolean;
  /** Key/value cache for incremental decoding. */
  cache?: KVCache;
}

/** Result of `MultiHeadAttention.forward`. */
export interface MultiHeadAttentionResult {
  /** [batch, tq, dModel]. */
  output: Tensor;
  /** [batch, heads, tq, tk] when `needWeights`. */
  weights?: Tensor;
}

/**
 * Multi-head scaled dot-product attention (Vaswani et al.) with projections `wq`, `wk`,
 * `wv`, `wo` (Linear children). Self-attention passes the same tensor as query, key and
 * value; cross-attention passes the encoder memory as key and value. Without
 * `needWeights` (and without attention dropout) it runs core's `scaledDotProductAttention`,
 * i.e. the backend's fused kernel when there is one.
 */
export class MultiHeadAttention extends Module {
  readonly wq: Linear;
  readonly wk: Linear;
  readonly wv: Linear;
  readonly wo: Linear;
  readonly headDim: number;
  readonly kDim: number;
  readonly vDim: number;
  readonly dropoutRate: number;

  constructor(
    readonly dModel: number,
    readonly numHeads: number,
    options: MultiHeadAttentionOptions = {},
  ) {
    super(options);
    if (!(Number.isInteger(numHeads) && numHeads > 0 && dModel % numHeads === 0)) {
      throw new ArgumentError(`MultiHeadAttention: dModel ${dModel} must be a positive multiple of numHeads ${numHeads}`);
    }
    this.headDim = dModel / numHeads;
    this.kDim = options.kDim ?? dModel;
    this.vDim = options.vDim ?? dModel;
    this.dropoutRate = options.dropout ?? 0;
    const lin = { ...this.childOptions, bias: options.bias ?? true };
    this.wq = this.child('wq', new Linear(dModel, dModel, lin));
    this.wk = this.child('wk', new Linear(this.kDim, dModel, lin));
    this.wv = this.child('wv', new Linear(this.vDim, dModel, lin));
    this.wo = this.child('wo', new Linear(dModel, dModel, lin));
  }

  override get layerName(): string {
    return `MultiHeadAttention(dModel=${this.dModel}, heads=${this.numHeads})`;
  }

  private split(x: Tensor): Tensor {
    const [b, t] = x.shape as [number, number];
    return transpose(reshape(x, [b, t, this.numHeads, this.headDim]), [0, 2, 1, 3]);
  }

  /** Attends from `query` [batch, tq, dModel] over `key` [batch, tk, kDim] / `value` [batch, tk, vDim]. */
  forward(query: Tensor, key: Tensor = query, value: Tensor = key, call: MultiHeadAttentionCall = {}): MultiHeadAttentionResult {
    const name = this.layerName;
    if (query.rank !== 3 || query.shape[2] !== this.dModel) throw new ShapeError(`${name}: query must be [batch, tq, ${this.dModel}], got ${fmt(query.shape)}`);
    const [b, tq] = query.shape as [number, number];
    const cache = call.cache;
    const useStatic = cache?.mode === 'static' && cache.k !== undefined;
    if (!useStatic) {
      if (key.rank !== 3 || key.shape[0] !== b || key.shape[2] !== this.kDim) throw new ShapeError(`${name}: key must be [${b}, tk, ${this.kDim}], got ${fmt(key.shape)}`);
      if (value.rank !== 3 || value.shape[0] !== b || value.shape[1] !== key.shape[1] || value.shape[2] !== this.vDim) {
        throw new ShapeError(`${name}: value must be [${b}, ${key.shape[1]}, ${this.vDim}] to match key ${fmt(key.shape)}, got ${fmt(value.shape)}`);
      }
    }
    const tk = useStatic ? cache.length : (cache?.mode === 'append' ? cache.length : 0) + key.shape[1]!;
    const { keyMask, mask } = call;
    if (keyMask && (keyMask.dtype !== 'bool' || keyMask.rank !== 2 || keyMask.shape[0] !== b || keyMask.shape[1] !== tk)) {
      throw new ShapeError(`${name}: keyMask must be bool [${b}, ${tk}] (batch, keys; true = attend), got ${keyMask.dtype} ${fmt(keyMask.shape)}`);
    }
    if (mask) {
      const ok =
        mask.dtype === 'bool' &&
        ((mask.rank === 2 && mask.shape[0] === tq && mask.shape[1] === tk) ||
          (mask.rank === 3 && mask.shape[0] === b && mask.shape[1] === tq && mask.shape[2] === tk) ||
          (mask.rank === 4 && mask.shape[0] === b && mask.shape[1] === this.numHeads && mask.shape[2] === tq && mask.shape[3] === tk));
      if (!ok) {
        throw new ShapeError(`${name}: mask must be bool [${tq}, ${tk}], [${b}, ${tq}, ${tk}] or [${b}, ${this.numHeads}, ${tq}, ${tk}] (true = may attend), got ${mask.dtype} ${fmt(mask.shape)}`);
      }
    }
    return this.engine.tidy(() => {
      const q = this.split(this.wq.forward(query));
      let k: Tensor;
      let v: Tensor;
      if (useStatic) {
        k = cache.k!;
        v = cache.v!;
      } else {
        k = this.split(this.wk.forward(key));
        v = this.split(this.wv.forward(value));
        if (cache?.mode === 'append' && cache.k) {
          k = concat([cache.k, k], 2);
          v = concat([cache.v!, v], 2);
        }
        if (cache) cache.set(k, v);
      }
      let allowed: Tensor | undefined;
      if (keyMask) allowed = reshape(keyMask, [b, 1, 1, tk]);
      if (mask) {
        const m4 = mask.rank === 2 ? reshape(mask, [1, 1, tq, tk]) : mask.rank === 3 ? reshape(mask, [b, 1, tq, tk]) : mask;
        allowed = allowed ? logicalAnd(allowed, m4) : m4;
      }
      const explicit = call.needWeights || (this.training && this.dropoutRate > 0);
      let ctx: Tensor;
      let weights: Tensor | undefined;
      if (!explicit) {
        ctx = scaledDotProductAttention(q, k, v, { ...(allowed && { mask: allowed }), causal: call.causal ?? false });
      } else {
        const scores = mul(matmul(q, k, { transB: true }), 1 / Math.sqrt(this.headDim));
        if (call.causal) {
          const cm = causalMask(tq, tk, this.engine);
          allowed = allowed ? logicalAnd(allowed, cm) : cm;
        }
        let p = allowed ? maskedSoftmax(scores, allowed) : softmax(scores);
        weights = p;
        if (this.training && this.dropoutRate > 0) p = dropout(p, this.dropoutRate, { rng: this.rng });
        ctx = matmul(p, v);
      }
      const merged = reshape(transpose(ctx, [0, 2, 1, 3]), [b, tq, this.dModel]);
      const output = this.wo.forward(merged);
      return call.needWeights ? { output, weights: weights! } : { output };
    });
  }
}
