import { ArgumentError, type Tensor } from '@heed/core';
import type { ActivationName } from '../activations.js';
import { KVCache } from '../attention/kv-cache.js';
import { MultiHeadAttention } from '../attention/multi-head.js';
import { LayerNorm } from '../layer-norm.js';
import { Module, ModuleList, type ModuleOptions } from '../module.js';
import { PositionwiseFFN } from './ffn.js';
import { ResidualNorm, type NormPlacement } from './residual.js';

/** Sizes and options of a Transformer layer. */
export interface TransformerLayerOptions extends ModuleOptions {
  /** Model width. */
  dModel: number;
  /** Attention heads (dModel must be a multiple). */
  numHeads: number;
  /** Feed-forward width (default 4·dModel). */
  dFF?: number;
  /** Dropout on sublayer outputs, attention weights and the FFN (default 0.1). */
  dropout?: number;
  /** FFN activation (default relu). */
  activation?: ActivationName;
  /** LayerNorm placement (default 'post', as in the paper). */
  norm?: NormPlacement;
  /** LayerNorm epsilon (default 1e-5). */
  eps?: number;
}

function parts(o: TransformerLayerOptions): { dff: number; drop: number; placement: NormPlacement } {
  return { dff: o.dFF ?? 4 * o.dModel, drop: o.dropout ?? 0.1, placement: o.norm ?? 'post' };
}

/** Builders for the sublayers both layer kinds are made of, with the layer's shared options. */
function sublayers(c: ModuleOptions, options: TransformerLayerOptions) {
  const { dff, drop, placement } = parts(options);
  const eps = options.eps !== undefined ? { eps: options.eps } : {};
  return {
    attention: (): MultiHeadAttention => new MultiHeadAttention(options.dModel, options.numHeads, { ...c, dropout: drop }),
    ffn: (): PositionwiseFFN => new PositionwiseFFN(options.dModel, dff, { ...c, dropout: drop, activation: options.activation ?? 'relu' }),
    residual: (): ResidualNorm => new ResidualNorm(options.dModel, placement, { ...c, dropout: drop, ...eps }),
  };
}

/** Encoder layer: self-attention then FFN, each with residual + LayerNorm (`selfAttn`, `ffn`, `res1`, `res2`). */
export class TransformerEncoderLayer extends Module {
  readonly selfAttn: MultiHeadAttention;
  readonly ffn: PositionwiseFFN;
  readonly res1: ResidualNorm;
  readonly res2: ResidualNorm;

  constructor(readonly options: TransformerLayerOptions) {
    super(options);
    const make = sublayers(this.childOptions, options);
    this.selfAttn = this.child('selfAttn', make.attention());
    this.ffn = this.child('ffn', make.ffn());
    this.res1 = this.child('res1', make.residual());
    this.res2 = this.child('res2', make.residual());
  }

  override get layerName(): string {
    return `TransformerEncoderLayer(dModel=${this.options.dModel}, heads=${this.options.numHeads})`;
  }

  /**
   * x [batch, time, dModel]; `keyMask` bool [batch, time] (true = real token; with a cache,
   * time counts the cached positions too). `causal` and an append-mode `cache` make it a
   * decoder-only (GPT-style) block: x is then the new positions only.
   */
  forward(x: Tensor, call: EncoderLayerCall = {}): Tensor {
    return this.forwardDetailed(x, call).output;
  }

  /**
   * As `forward`; with `needWeights` it also returns the self-attention weights
   * [batch, heads, tq, tk] (for plots), computed explicitly instead of by the fused kernel.
   */
  forwardDetailed(x: Tensor, call: EncoderLayerCall & { needWeights?: boolean } = {}): { output: Tensor; weights?: Tensor } {
    return this.engine.tidy(() => {
      let weights: Tensor | undefined;
      const h = this.res1.forward(x, (y) => {
        const r = this.selfAttn.forward(y, y, y, { ...call, needWeights: call.needWeights ?? false });
        weights = r.weights;
        return r.output;
      });
      const output = this.res2.forward(h, (y) => this.ffn.forward(y));
      return weights ? { output, weights } : { output };
    });
  }
}

/** Per-call options of an encoder layer (and of the stack, with one cache per layer). */
export interface EncoderLayerCall {
  /** Bool [batch, tk], true = real key. */
  keyMask?: Tensor;
  /** Bool attention pattern (see `MultiHeadAttentionCall.mask`). */
  mask?: Tensor;
  /** Hide later positions (decoder-only language models). */
  causal?: boolean;
  /** Append-mode key/value cache for incremental decoding. */
  cache?: KVCache;
}

/** Per-call options of an encoder stack: as a layer's, with one cache per layer (from `createCache()`). */
export type EncoderCall = Omit<EncoderLayerCall, 'cache'> & { cache?: readonly KVCache[] };

/** Per-layer caches of a decoder for incremental decoding. */
export interface DecoderLayerCache {
  self: KVCache;
  cross: KVCache;
}

/**
 * Decoder layer: causal self-attention, cross-attention over the encoder memory, FFN;
 * each with residual + LayerNorm (`selfAttn`, `crossAttn`, `ffn`, `res1`…`res3`).
 */
export class TransformerDecoderLayer extends Module {
  readonly selfAttn: MultiHeadAttention;
  readonly crossAttn: MultiHeadAttention;
  readonly ffn: PositionwiseFFN;
  readonly res1: ResidualNorm;
  readonly res2: ResidualNorm;
  readonly res3: ResidualNorm;

  constructor(readonly options: TransformerLayerOptions) {
    super(options);
    const make = sublayers(this.childOptions, options);
    this.selfAttn = this.child('selfAttn', make.attention());
    this.crossAttn = this.child('crossAttn', make.attention());
    this.ffn = this.child('ffn', make.ffn());
    this.res1 = this.child('res1', make.residual());
    this.res2 = this.child('res2', make.residual());
    this.res3 = this.child('res3', make.residual());
  }

  override get layerName(): string {
    return `TransformerDecoderLayer(dModel=${this.options.dModel}, heads=${this.options.numHeads})`;
  }

  /**
   * x [batch, tq, dModel] (the new steps when a cache is given), memory [batch, ts, dModel].
   * `selfKeyMask` [batch, tq(+cached)] hides target padding, `memoryKeyMask` [batch, ts] source padding.
   */
  forward(x: Tensor, memory: Tensor, call: DecoderLayerCall = {}): Tensor {
    return this.forwardDetailed(x, memory, call).output;
  }

  /**
   * As `forward`; with `needCrossWeights` it also returns the cross-attention weights
   * [batch, heads, tq, ts] (for plots: which source positions each target position read).
   */
  forwardDetailed(
    x: Tensor,
    memory: Tensor,
    call: DecoderLayerCall & { needCrossWeights?: boolean } = {},
  ): { output: Tensor; crossWeights?: Tensor } {
    return this.engine.tidy(() => {
      const selfCall = { causal: true, ...(call.selfKeyMask && { keyMask: call.selfKeyMask }), ...(call.cache && { cache: call.cache.self }) };
      const h1 = this.res1.forward(x, (y) => this.selfAttn.forward(y, y, y, selfCall).output);
      let crossWeights: Tensor | undefined;
      const h2 = this.res2.forward(h1, (y) => {
        const r = this.crossAttn.forward(y, memory, memory, {
          ...(call.memoryKeyMask && { keyMask: call.memoryKeyMask }),
          ...(call.cache && { cache: call.cache.cross }),
          needWeights: call.needCrossWeights ?? false,
        });
        crossWeights = r.weights;
        return r.output;
      });
      const output = this.res3.forward(h2, (y) => this.ffn.forward(y));
      return crossWeights ? { output, crossWeights } : { output };
    });
  }
}

/** Per-call options of a decoder layer. */
export interface DecoderLayerCall {
  /** Bool [batch, tq(+cached)], true = real target token. */
  selfKeyMask?: Tensor;
  /** Bool [batch, ts], true = real source token. */
  memoryKeyMask?: Tensor;
  /** The layer's caches for incremental decoding. */
  cache?: DecoderLayerCache;
}

/** Reorders/repeats/drops the batch rows of every cache (beam search); see `KVCache.select`. */
export function selectCaches(caches: readonly (KVCache | DecoderLayerCache)[], indices: Int32Array | readonly number[] | Tensor): void {
  for (const c of caches) {
    if (c instanceof KVCache) c.select(indices);
    else {
      c.self.select(indices);
      c.cross.select(indices);
    }
  }
}

/** Frees every cache of a list made by `createCache()`. */
export function disposeCaches(caches: readonly (KVCache | DecoderLayerCache)[]): void {
  for (const c of caches) {
    if (c instanceof KVCache) c.dispose();
    else {
      c.self.dispose();
      c.cross.dispose();
    }
  }
}

/** A stack of encoder layers (`layers.0`, …) and, for pre-norm, a final LayerNorm (`norm`). */
export class TransformerEncoder extends Module {
  readonly layers: ModuleList<TransformerEncoderLayer>;
  readonly norm: LayerNorm | undefined;

  constructor(readonly numLayers: number, options: TransformerLayerOptions) {
    super(options);
    if (!(Number.isInteger(numLayers) && numLayers >= 1)) {
      throw new ArgumentError(`TransformerEncoder: numLayers must be a positive integer, got ${numLayers}`);
    }
    const c = { ...options, ...this.childOptions };
    this.layers = this.child('layers', new ModuleList(Array.from({ length: numLayers }, () => new TransformerEncoderLayer(c)), this.childOptions));
    this.norm = options.norm === 'pre' ? this.child('norm', new LayerNorm(options.dModel, this.childOptions)) : undefined;
  }

  /** Fresh append-mode caches (one per layer) for causal incremental decoding; dispose them when done. */
  createCache(): KVCache[] {
    return this.layers.items.map(() => new KVCache('append'));
  }

  /** x [batch, time, dModel] → [batch, time, dModel]; with `cache` (one per layer) x is the new positions only. */
  forward(x: Tensor, call: EncoderCall = {}): Tensor {
    return this.forwardDetailed(x, call).output;
  }

  /** As `forward`; with `needWeights` also each layer's self-attention weights [batch, heads, tq, tk]. */
  forwardDetailed(x: Tensor, call: EncoderCall & { needWeights?: boolean } = {}): { output: Tensor; weights: Tensor[] } {
    if (call.cache && call.cache.length !== this.layers.items.length) {
      throw new ArgumentError(`TransformerEncoder: ${call.cache.length} caches given for ${this.layers.items.length} layers`);
    }
    return this.engine.tidy(() => {
      let h = x;
      const weights: Tensor[] = [];
      this.layers.items.forEach((layer, i) => {
        const r = layer.forwardDetailed(h, { ...call, cache: call.cache?.[i] });
        h = r.output;
        if (r.weights) weights.push(r.weights);
      });
      return { output: this.norm ? this.norm.forward(h) : h, weights };
    });
  }
}

/** A stack of decoder layers (`layers.0`, …) and, for pre-norm, a final LayerNorm (`norm`). */
export class TransformerDecoder extends Module {
  readonly layers: ModuleList<TransformerDecoderLayer>;
  readonly norm: LayerNorm | undefined;

  constructor(readonly numLayers: number, options: TransformerLayerOptions) {
    super(options);
    if (!(Number.isInteger(numLayers) && numLayers >= 1)) {
      throw new ArgumentError(`TransformerDecoder: numLayers must be a positive integer, got ${numLayers}`);
    }
    const c = { ...options, ...this.childOptions };
    this.layers = this.child('layers', new ModuleList(Array.from({ length: numLayers }, () => new TransformerDecoderLayer(c)), this.childOptions));
    this.norm = options.norm === 'pre' ? this.child('norm', new LayerNorm(options.dModel, this.childOptions)) : undefined;
  }

  /** Fresh caches for incremental decoding (one per layer); dispose them when done. */
  createCache(): DecoderLayerCache[] {
    return this.layers.items.map(() => ({ self: new KVCache('append'), cross: new KVCache('static') }));
  }

  /** x [batch, tq, dModel] (new steps only when `cache` is given), memory [batch, ts, dModel]. */
  forward(x: Tensor, memory: Tensor, call: DecoderCall = {}): Tensor {
    return this.forwardDetailed(x, memory, call).output;
  }

  /** As `forward`; with `needCrossWeights` also each layer's cross-attention weights [batch, heads, tq, ts]. */
  forwardDetailed(x: Tensor, memory: Tensor, call: DecoderCall & { needCrossWeights?: boolean } = {}): { output: Tensor; crossWeights: Tensor[] } {
    if (call.cache && call.cache.length !== this.layers.items.length) {
      throw new ArgumentError(`TransformerDecoder: ${call.cache.length} caches given for ${this.layers.items.length} layers`);
    }
    return this.engine.tidy(() => {
      let h = x;
      const crossWeights: Tensor[] = [];
      this.layers.items.forEach((layer, i) => {
        const r = layer.forwardDetailed(h, memory, { ...call, cache: call.cache?.[i] });
        h = r.output;
        if (r.crossWeights) crossWeights.push(r.crossWeights);
      });
      return { output: this.norm ? this.norm.forward(h) : h, crossWeights };
    });
  }
}

/** Per-call options of a decoder stack. */
export interface DecoderCall {
  /** Bool [batch, tq(+cached)], true = real target token. */
  selfKeyMask?: Tensor;
  /** Bool [batch, ts], true = real source token. */
  memoryKeyMask?: Tensor;
  /** One cache per layer (from `createCache()`). */
  cache?: readonly DecoderLayerCache[];
}
