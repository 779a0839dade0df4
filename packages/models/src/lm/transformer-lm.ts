import {
  ArgumentError,
  add,
  arange,
  cast,
  crossEntropy,
  embedding,
  greaterEqual,
  matmul,
  maximum,
  reshape,
  slice,
  sub,
  type Tensor,
} from '@heed/core';
import { Dropout, Embedding, LearnedPositionalEncoding, TransformerEncoder, type ActivationName, type ModuleOptions } from '@heed/layers';
import type { DecodeStartOptions, DecoderSession } from '../generation/session.js';
import { type ModelBatch, type ModelConfig, type ModelOutput } from '../model.js';
import { GenerativeModel } from '../generative-model.js';
import { checkIdRange } from '../seq2seq/batch.js';
import { ConfigReader } from '../transformer/config-check.js';
import { TransformerLMSession, type TransformerLMPrompts } from '../transformer/lm-session.js';
import { expectIds, expectMask, fitLength } from '../transformer/sequence.js';

/** Config of `TransformerLM` (JSON-serialisable, snake_case as the `Transformer` config). */
export interface TransformerLMConfig extends ModelConfig {
  /** Vocabulary size. */
  vocab_size: number;
  /** Model width (default 256). */
  d_model: number;
  /** Attention heads (default 4). */
  num_heads: number;
  /** Blocks (default 4). */
  num_layers: number;
  /** Feed-forward width (default 4·d_model). */
  ffn_dim: number;
  /** Dropout on embeddings, sublayers, attention weights and the FFN (default 0.1). */
  dropout: number;
  /** FFN activation (default gelu). */
  activation_function: ActivationName;
  /** LayerNorm epsilon (default 1e-5). */
  layer_norm_eps: number;
  /** Learned positions, i.e. the longest sequence including generated tokens (default 512). */
  max_position_embeddings: number;
  /** Cut longer inputs to max_position_embeddings instead of throwing a SequenceLengthError (default false). */
  truncation: boolean;
  /** Label smoothing ε of the loss (default 0). */
  label_smoothing: number;
  /** Start-of-text token (default 1). */
  bos_token_id: number;
  /** End-of-text token (default 2). */
  eos_token_id: number;
  /** Padding (default 0). */
  pad_token_id: number;
}

/** Fills the defaults of a TransformerLM config and validates it (ConfigError names the field). */
export function resolveTransformerLMConfig(config: Partial<TransformerLMConfig>): TransformerLMConfig {
  const r = new ConfigReader('TransformerLM', config);
  const vocabSize = r.posInt('vocab_size');
  const dModel = r.posInt('d_model', 256);
  const numHeads = r.posInt('num_heads', 4);
  r.heads(dModel, numHeads);
  return {
    ...config,
    model_type: 'transformer-lm',
    vocab_size: vocabSize,
    d_model: dModel,
    num_heads: numHeads,
    num_layers: r.posInt('num_layers', 4),
    ffn_dim: r.posInt('ffn_dim', 4 * dModel),
    dropout: r.fraction('dropout', 0.1),
    activation_function: r.activation('activation_function', 'gelu'),
    layer_norm_eps: r.positive('layer_norm_eps', 1e-5),
    max_position_embeddings: r.posInt('max_position_embeddings', 512),
    truncation: r.bool('truncation', false),
    label_smoothing: r.fraction('label_smoothing', 0),
    bos_token_id: r.tokenId('bos_token_id', 1, vocabSize),
    eos_token_id: r.tokenId('eos_token_id', 2, vocabSize),
    pad_token_id: r.tokenId('pad_token_id', 0, vocabSize),
  };
}

/** A batch for `TransformerLM`. */
export interface TransformerLMBatch extends ModelBatch {
  /** Token ids, int32 [batch, S]. */
  inputIds: Tensor;
  /** Padding, bool [batch, S] (true = real token; left or right padding). */
  attentionMask?: Tensor;
  /** Targets aligned with `inputIds` (usually the ids themselves; -100 = ignored): position t+1 is predicted from t. */
  labels?: Tensor;
}

/** Outputs of `TransformerLM.forward`. */
export interface TransformerLMOutput extends ModelOutput {
  /** Scores [batch, S, vocab_size]. */
  logits: Tensor;
  /**
   * With `outputAttentions`: each block's self-attention weights [batch, heads, S, S]
   * (causal and padding-masked: entries above the diagonal and on padding keys are 0).
   */
  attentions?: Tensor[];
}

/** Position ids of each token: the number of real tokens before it (0 for leading padding). */
export function positionIds(mask: Tensor): Tensor {
  const s = mask.shape[1]!;
  const e = mask.engine;
  return e.tidy(() => {
    // cumsum over time as a product with the upper-triangular ones: count[j] = Σ_{i ≤ j} mask[i].
    const steps = arange(0, s, 1, 'int32', { engine: e });
    const upper = cast(greaterEqual(reshape(steps, [1, s]), reshape(steps, [s, 1])), 'float32');
    const counts = matmul(cast(mask, 'float32'), upper);
    return cast(maximum(sub(counts, 1), 0), 'int32');
  });
}

/**
 * A decoder-only (GPT-style) Transformer language model: token embeddings plus learned
 * positions (`wte`, `wpe`), dropout, pre-norm causal blocks with a final LayerNorm
 * (`blocks`, a causal `TransformerEncoder`), and the output projection tied to `wte`.
 * With an attention mask, each token's position is the number of real tokens before it,
 * so left padding does not move real tokens (as Hugging Face's generate).
 */
export class TransformerLM extends GenerativeModel<TransformerLMConfig, TransformerLMBatch, TransformerLMOutput, TransformerLMPrompts> {
  readonly modelType: string = 'TransformerLM';
  readonly wte: Embedding;
  readonly wpe: LearnedPositionalEncoding;
  readonly drop: Dropout;
  readonly blocks: TransformerEncoder;

  constructor(config: Partial<TransformerLMConfig>, options: ModuleOptions = {}) {
    const c = resolveTransformerLMConfig(config);
    super(c, options);
    const o = this.childOptions;
    this.wte = this.child('wte', new Embedding(c.vocab_size, c.d_model, { ...o, std: 0.02 }));
    this.wpe = this.child('wpe', new LearnedPositionalEncoding(c.max_position_embeddings, c.d_model, { ...o, std: 0.02 }));
    this.drop = this.child('drop', new Dropout(c.dropout, o));
    const layer = {
      dModel: c.d_model,
      numHeads: c.num_heads,
      dFF: c.ffn_dim,
      dropout: c.dropout,
      activation: c.activation_function,
      norm: 'pre' as const,
      eps: c.layer_norm_eps,
      ...o,
    };
    this.blocks = this.child('blocks', new TransformerEncoder(c.num_layers, layer));
  }

  /** Token plus position embeddings (dropout applied): ids [batch, t], positions int32 [batch, t]. */
  embed(ids: Tensor, positions: Tensor): Tensor {
    return this.drop.forward(add(this.wte.forward(ids), embedding(this.wpe.weight, positions)));
  }

  /** Scores over the vocabulary for hidden states [..., dModel] (tied to `wte`). */
  project(h: Tensor): Tensor {
    return matmul(h, this.wte.weight, { transB: true });
  }

  /**
   * Logits [batch, S, vocab] for every position, and `loss` when `labels` are given: the
   * mean cross-entropy of logits[:, t] against labels[:, t+1] over labels ≠ -100 (pass the
   * ids themselves as labels, as Hugging Face's causal LMs). `outputAttentions` adds each
   * block's self-attention weights (`attentions`, computed explicitly; without it attention
   * runs the fused kernel), for plots of a given or decoded sentence (prompt + generated ids).
   */
  forward(batch: TransformerLMBatch, options: { outputAttentions?: boolean } = {}): TransformerLMOutput {
    const c = this.config;
    expectIds('TransformerLM', 'inputIds', batch.inputIds);
    checkIdRange('TransformerLM', 'inputIds', batch.inputIds, c.vocab_size, 'vocab_size');
    if (batch.attentionMask) expectMask('TransformerLM', 'attentionMask', batch.attentionMask, batch.inputIds);
    if (batch.labels) {
      expectIds('TransformerLM', 'labels', batch.labels, batch.inputIds.shape[0]);
      checkIdRange('TransformerLM', 'labels', batch.labels, c.vocab_size, 'vocab_size', true);
    }
    if (batch.labels && batch.labels.shape[1] !== batch.inputIds.shape[1]) {
      throw new ArgumentError(`TransformerLM: labels [${batch.labels.shape.join(',')}] must align with inputIds [${batch.inputIds.shape.join(',')}]`);
    }
    return this.engine.tidy(() => {
      const ids = fitLength('TransformerLM', 'inputIds', batch.inputIds, c.max_position_embeddings, c.truncation);
      const mask = batch.attentionMask && fitLength('TransformerLM', 'attentionMask', batch.attentionMask, c.max_position_embeddings, true);
      const [b, s] = ids.shape as [number, number];
      const pos = mask ? positionIds(mask) : reshape(arange(0, s, 1, 'int32', { engine: this.engine }), [1, s]);
      const needWeights = options.outputAttentions ?? false;
      const { output: h, weights } = this.blocks.forwardDetailed(this.embed(ids, pos), { causal: true, ...(mask && { keyMask: mask }), needWeights });
      const logits = this.project(h);
      const out: TransformerLMOutput = { logits };
      if (needWeights) out.attentions = weights;
      if (!batch.labels) return out;
      const labels = fitLength('TransformerLM', 'labels', batch.labels, c.max_position_embeddings, true);
      const v = c.vocab_size;
      out.loss = crossEntropy(slice(logits, [0, 0, 0], [b, s - 1, v]), slice(labels, [0, 1], [b, s - 1]), { labelSmoothing: c.label_smoothing });
      return out;
    });
  }

  /**
   * Opens a decoding session over prompts (host token lists, or padded tensors on the
   * CPU): each is consumed up to its last token, which is the session's start token; see
   * `TransformerLMSession`. `maxLength` (steps) is checked against the positions.
   */
  startDecoding(inputs: TransformerLMPrompts, options: DecodeStartOptions = {}): DecoderSession {
    return new TransformerLMSession(this, inputs, options);
  }
}
