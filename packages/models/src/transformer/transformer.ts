import { ArgumentError, ShapeError, add, crossEntropy, matmul, mul, type Tensor, type Variable } from '@heed/core';
import {
  Dropout,
  Embedding,
  Linear,
  SinusoidalPositionalEncoding,
  TransformerDecoder,
  TransformerEncoder,
  type DecoderLayerCache,
  type ModuleOptions,
} from '@heed/layers';
import type { DecodeStartOptions, DecoderSession } from '../generation/session.js';
import { type ModelBatch, type ModelOutput } from '../model.js';
import { GenerativeModel } from '../generative-model.js';
import { resolveTransformerConfig, type TransformerConfig } from './config.js';
import { checkIdRange } from '../seq2seq/batch.js';
import { expectIds, expectMask, fitLength, shiftRight } from './sequence.js';
import { TransformerSession } from './session.js';

/** A batch for the `Transformer` (Hugging Face's names). */
export interface TransformerBatch extends ModelBatch {
  /** Source ids, int32 [batch, S]. */
  inputIds: Tensor;
  /** Source padding, bool [batch, S] (true = real token; pad on the right). */
  attentionMask?: Tensor;
  /** Decoder inputs, int32 [batch, T]; derived from `labels` (shifted right after BOS) when absent. */
  decoderInputIds?: Tensor;
  /** Target padding, bool [batch, T] (true = real token). Right padding needs none: attention is causal. */
  decoderAttentionMask?: Tensor;
  /** Targets, int32 [batch, T]; -100 marks positions left out of the loss. */
  labels?: Tensor;
}

/** Outputs of `Transformer.forward`. */
export interface TransformerOutput extends ModelOutput {
  /** Target scores [batch, T, tgtVocabSize]. */
  logits: Tensor;
  /** With `outputAttentions`: each decoder layer's cross-attention weights [batch, heads, T, S]. */
  crossAttentions?: Tensor[];
}

/** The source side of a decoding run: ids and padding mask. */
export interface TransformerInputs {
  /** Source ids, int32 [batch, S]. */
  inputIds: Tensor;
  /** Source padding, bool [batch, S] (true = real token). */
  attentionMask?: Tensor;
}

/**
 * The Transformer encoder–decoder of Vaswani et al. ("Attention is all you need"), built
 * from @heed/layers: token embeddings scaled by √dModel plus sinusoidal positions and
 * dropout, an encoder stack over the source with its padding mask, a causal decoder stack
 * with cross-attention over the encoder output, and an output projection (tied to the
 * target embedding by default). Post-norm as in the paper, or pre-norm.
 *
 * Parameters: `embed.weight` when source and target share it, else `srcEmbed.weight` and
 * `tgtEmbed.weight`; `encoder.*`, `decoder.*`; `outBias` (tied) or `outProj.*`.
 */
export class Transformer extends GenerativeModel<TransformerConfig, TransformerBatch, TransformerOutput, TransformerInputs> {
  readonly modelType: string = 'Transformer';
  readonly srcEmbed: Embedding;
  readonly tgtEmbed: Embedding;
  readonly pos: SinusoidalPositionalEncoding;
  readonly embDropout: Dropout;
  readonly encoder: TransformerEncoder;
  readonly decoder: TransformerDecoder;
  /** Untied output projection (undefined when tied). */
  readonly outProj: Linear | undefined;
  /** Output bias of the tied projection (undefined when untied). */
  readonly outBias: Variable | undefined;
  private readonly scale: number;

  constructor(config: Partial<TransformerConfig>, options: ModuleOptions = {}) {
    const c = resolveTransformerConfig(config);
    super(c, options);
    const o = this.childOptions;
    const std = 1 / Math.sqrt(c.d_model);
    if (c.share_embeddings) {
      this.srcEmbed = this.child('embed', new Embedding(c.src_vocab_size, c.d_model, { ...o, std }));
      this.tgtEmbed = this.srcEmbed;
    } else {
      this.srcEmbed = this.child('srcEmbed', new Embedding(c.src_vocab_size, c.d_model, { ...o, std }));
      this.tgtEmbed = this.child('tgtEmbed', new Embedding(c.tgt_vocab_size, c.d_model, { ...o, std }));
    }
    this.pos = this.child('pos', new SinusoidalPositionalEncoding(c.max_position_embeddings, c.d_model, o));
    this.embDropout = this.child('embDropout', new Dropout(c.dropout, o));
    const layer = {
      dModel: c.d_model,
      numHeads: c.num_heads,
      dFF: c.ffn_dim,
      dropout: c.dropout,
      activation: c.activation_function,
      norm: c.norm_placement,
      eps: c.layer_norm_eps,
      ...o,
    };
    this.encoder = this.child('encoder', new TransformerEncoder(c.encoder_layers, layer));
    this.decoder = this.child('decoder', new TransformerDecoder(c.decoder_layers, layer));
    if (c.tie_word_embeddings) {
      this.outProj = undefined;
      this.outBias = this.paramZeros('outBias', [c.tgt_vocab_size]);
    } else {
      this.outProj = this.child('outProj', new Linear(c.d_model, c.tgt_vocab_size, o));
      this.outBias = undefined;
    }
    this.scale = Math.sqrt(c.d_model);
  }

  /** Embedded source or target ids [batch, t] → [batch, t, dModel] (scaled, positions from `offset`, dropout). */
  embed(side: 'source' | 'target', ids: Tensor, offset = 0): Tensor {
    const table = side === 'source' ? this.srcEmbed : this.tgtEmbed;
    return this.embDropout.forward(this.pos.forward(mul(table.forward(ids), this.scale), offset));
  }

  /** Encoder output [batch, S, dModel] for source ids (checked against max_position_embeddings). */
  encode(inputIds: Tensor, attentionMask?: Tensor): Tensor {
    expectIds('Transformer', 'inputIds', inputIds);
    checkIdRange('Transformer', 'inputIds', inputIds, this.config.src_vocab_size, 'src_vocab_size');
    if (attentionMask) expectMask('Transformer', 'attentionMask', attentionMask, inputIds);
    return this.engine.tidy(() => {
      const ids = fitLength('Transformer', 'inputIds', inputIds, this.config.max_position_embeddings, this.config.truncation);
      const mask = attentionMask && fitLength('Transformer', 'attentionMask', attentionMask, this.config.max_position_embeddings, true);
      return this.encoder.forward(this.embed('source', ids), mask ? { keyMask: mask } : {});
    });
  }

  /** Scores over the target vocabulary for decoder states [..., dModel]. */
  project(h: Tensor): Tensor {
    if (this.outProj) return this.outProj.forward(h);
    return add(matmul(h, this.tgtEmbed.weight, { transB: true }), this.outBias!);
  }

  /**
   * Runs the model: encoder over `inputIds`, decoder over `decoderInputIds` (or the
   * labels shifted right after BOS), `logits` [batch, T, tgtVocab], and `loss` (mean
   * token cross-entropy over labels ≠ -100, label-smoothed by the config) when `labels`
   * are given. `outputAttentions` adds each decoder layer's cross-attention weights, for
   * the given target or a decoded one fed back as `decoderInputIds`.
   */
  forward(batch: TransformerBatch, options: { outputAttentions?: boolean } = {}): TransformerOutput {
    const { inputIds, attentionMask, labels, decoderAttentionMask } = batch;
    const c = this.config;
    expectIds('Transformer', 'inputIds', inputIds);
    if (labels) {
      expectIds('Transformer', 'labels', labels, inputIds.shape[0]);
      checkIdRange('Transformer', 'labels', labels, c.tgt_vocab_size, 'tgt_vocab_size', true);
    }
    if (batch.decoderInputIds) {
      expectIds('Transformer', 'decoderInputIds', batch.decoderInputIds, inputIds.shape[0]);
      checkIdRange('Transformer', 'decoderInputIds', batch.decoderInputIds, c.tgt_vocab_size, 'tgt_vocab_size');
    }
    if (!batch.decoderInputIds && !labels) {
      throw new ArgumentError('Transformer.forward: the batch needs decoderInputIds or labels (the target side)');
    }
    return this.engine.tidy(() => {
      const memory = this.encode(inputIds, attentionMask);
      const srcMask = attentionMask && fitLength('Transformer', 'attentionMask', attentionMask, c.max_position_embeddings, true);
      let dec = batch.decoderInputIds ?? shiftRight(labels!, c.bos_token_id, c.pad_token_id);
      expectIds('Transformer', 'decoderInputIds', dec, inputIds.shape[0]);
      if (decoderAttentionMask) expectMask('Transformer', 'decoderAttentionMask', decoderAttentionMask, dec);
      dec = fitLength('Transformer', 'decoderInputIds', dec, c.max_position_embeddings, c.truncation);
      const decMask = decoderAttentionMask && fitLength('Transformer', 'decoderAttentionMask', decoderAttentionMask, c.max_position_embeddings, true);
      const { output, crossWeights } = this.decoder.forwardDetailed(this.embed('target', dec), memory, {
        ...(srcMask && { memoryKeyMask: srcMask }),
        ...(decMask && { selfKeyMask: decMask }),
        needCrossWeights: options.outputAttentions ?? false,
      });
      const logits = this.project(output);
      const out: TransformerOutput = { logits };
      if (labels) {
        const lab = fitLength('Transformer', 'labels', labels, c.max_position_embeddings, c.truncation);
        if (lab.shape[1] !== dec.shape[1]) {
          const shapes = `labels [${labels.shape.join(',')}] and decoderInputIds [${dec.shape.join(',')}]`;
          throw new ShapeError(`Transformer: ${shapes} must have the same length`);
        }
        out.loss = crossEntropy(logits, lab, { labelSmoothing: c.label_smoothing });
      }
      if (options.outputAttentions) out.crossAttentions = crossWeights;
      return out;
    });
  }

  /**
   * Opens a decoding session over a source batch: encodes it once and decodes with the
   * decoder's key/value caches (one position per `step`). Runs in evaluation mode
   * whatever the model's mode. `maxLength` (the positions to decode) is checked against
   * max_position_embeddings.
   */
  startDecoding(inputs: TransformerInputs, options: DecodeStartOptions = {}): DecoderSession {
    return new TransformerSession(this, inputs, options);
  }

  /** @internal fresh per-layer caches for a session. */
  createDecoderCache(): DecoderLayerCache[] {
    return this.decoder.createCache();
  }
}
