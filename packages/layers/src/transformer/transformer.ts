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

  /** x [batch, time, dModel]; `keyMask` bool [batch, time] (true = real token). */
  forward(x: Tensor, call: { keyMask?: Tensor; mask?: Tensor } = {}): Tensor {
    return this.engine.tidy(() => {
      const h = this.res1.forward(x, (y) => this.selfAttn.forward(y, y, y, call).output);
      return this.res2.forward(h, (y) => this.ffn.forward(y));
    });
  }
}

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
  forward(x: Tensor, memory: Tensor, call: { selfKeyMask?: Tensor; memoryKeyMask?: Tensor; cache?: DecoderLayerCache } = {}): Tensor {
    return this.engine.tidy(() => {
      const h1 = this.res1.forward(x, (y) =>
        this.selfAttn.forward(y, y, y, { causal: true, ...(call.selfKeyMask && { keyMask: call.selfKeyMask }), ...(call.cache && { cache: call.cache.self }) }).output,
      );
      const h2 = this.res2.forward(h1, (y) =>
        this.crossAttn.forward(y, memory, memory, { ...(call.memoryKeyMask && { keyMask: call.memoryKeyMask }), ...(call.cache && { cache: call.cache.cross }) }).output,
      );
      return this.res3.forward(h2, (y) => this.ffn.forward(y));
    });
  }
}

/** A stack of encoder layers (`layers.0`, …) and, for pre-norm, a final LayerNorm (`norm`). */
export class TransformerEncoder extends Module {
  readonly layers: ModuleList<TransformerEncoderLayer>;
  readonly norm: LayerNorm | undefined;

  constructor(readonly numLayers: number, options: TransformerLayerOptions) {
    super(options);
    if (!(Number.isInteger(numLayers) && numLayers >= 1)) throw new ArgumentError(`TransformerEncoder: numLayers must be a positive integer, got ${numLayers}`);
    const c = { ...options, ...this.childOptions };
    this.layers = this.child('layers', new ModuleList(Array.from({ length: numLayers }, () => new TransformerEncoderLayer(c)), this.childOptions));
    this.norm = options.norm === 'pre' ? this.child('norm', new LayerNorm(options.dModel, this.childOptions)) : undefined;
  }

  /** x [batch, time, dModel] → [batch, time, dModel]. */
  forward(x: Tensor, call: { keyMask?: Tensor; mask?: Tensor } = {}): Tensor {
    return this.engine.tidy(() => {
      let h = x;
      for (const layer of this.layers.items) h = layer.forward(h, call);
      return this.norm ? this.norm.forward(h) : h;
    });
  }
}

/** A stack of decoder layers (`layers.0`, …) and, for pre-norm, a final LayerNorm (`norm`). */
export class TransformerDecoder extends Module {
  readonly layers: ModuleList<TransformerDecoderLayer>;
  readonly norm: LayerNorm | undefined;

  constructor(readonly numLayers: number, options: TransformerLayerOptions) {
    super(options);
    if (!(Number.isInteger(numLayers) && numLayers >= 1)) throw new ArgumentError(`TransformerDecoder: numLayers must be a positive integer, got ${numLayers}`);
    const c = { ...options, ...this.childOptions };
    this.layers = this.child('layers', new ModuleList(Array.from({ length: numLayers }, () => new TransformerDecoderLayer(c)), this.childOptions));
    this.norm = options.norm === 'pre' ? this.child('norm', new LayerNorm(options.dModel, this.childOptions)) : undefined;
  }

  /** Fresh caches for incremental decoding (one per layer); dispose them when done. */
  createCache(): DecoderLayerCache[] {
    return this.layers.items.map(() => ({ self: new KVCache('append'), cross: new KVCache('static') }));
  }

  /** x [batch, tq, dModel] (new steps only when `cache` is given), memory [batch, ts, dModel]. */
  forward(x: Tensor, memory: Tensor, call: { selfKeyMask?: Tensor; memoryKeyMask?: Tensor; cache?: DecoderLayerCache[] } = {}): Tensor {
    return this.engine.tidy(() => {
      let h = x;
      this.layers.items.forEach((layer, i) => {
        h = layer.forward(h, memory, { ...call, cache: call.cache?.[i] });
      });
      return this.norm ? this.norm.forward(h) : h;
    });
  }
}
