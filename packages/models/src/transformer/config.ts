import type { ActivationName, NormPlacement } from '@heed/layers';
import { ConfigError } from '../errors.js';
import type { ModelConfig } from '../model.js';
import { ConfigReader } from './config-check.js';

/**
 * Config of the `Transformer` encoder–decoder (JSON-serialisable, Hugging Face-style snake_case; defaults are the base
 * model of Vaswani et al. except the vocabularies, which are required).
 */
export interface TransformerConfig extends ModelConfig {
  /** Source vocabulary size. */
  src_vocab_size: number;
  /** Target vocabulary size (the output classes). */
  tgt_vocab_size: number;
  /** Model width (default 512). */
  d_model: number;
  /** Attention heads (default 8; d_model must be a multiple). */
  num_heads: number;
  /** Encoder layers (default 6). */
  encoder_layers: number;
  /** Decoder layers (default 6). */
  decoder_layers: number;
  /** Feed-forward width (default 4·d_model). */
  ffn_dim: number;
  /** Dropout on embeddings, sublayer outputs, attention weights and the FFN (default 0.1). */
  dropout: number;
  /** FFN activation (default relu). */
  activation_function: ActivationName;
  /** LayerNorm placement: 'post' (the paper, default) or 'pre' (with a final norm per stack). */
  norm_placement: NormPlacement;
  /** LayerNorm epsilon (default 1e-5). */
  layer_norm_eps: number;
  /** Longest source or target sequence (sinusoidal table size, default 512). */
  max_position_embeddings: number;
  /** Cut longer inputs to max_position_embeddings instead of throwing a SequenceLengthError (default false). */
  truncation: boolean;
  /** One embedding matrix for source and target (needs equal vocabularies; default false). */
  share_embeddings: boolean;
  /** Output projection tied to the target embedding, plus a bias (default true). */
  tie_word_embeddings: boolean;
  /** Label smoothing ε of the training loss (default 0; the paper used 0.1). */
  label_smoothing: number;
  /** Decoder start token (default 1). */
  bos_token_id: number;
  /** End of sequence (default 2). */
  eos_token_id: number;
  /** Padding (default 0). */
  pad_token_id: number;
}

/** Fills the defaults of a Transformer config and validates every field (ConfigError names the field). */
export function resolveTransformerConfig(config: Partial<TransformerConfig>): TransformerConfig {
  const r = new ConfigReader('Transformer', config);
  const srcVocabSize = r.posInt('src_vocab_size');
  const tgtVocabSize = r.posInt('tgt_vocab_size');
  const dModel = r.posInt('d_model', 512);
  const numHeads = r.posInt('num_heads', 8);
  r.heads(dModel, numHeads);
  const shareEmbeddings = r.bool('share_embeddings', false);
  if (shareEmbeddings && srcVocabSize !== tgtVocabSize) {
    throw new ConfigError(
      `Transformer: "share_embeddings" needs equal vocabularies, got src_vocab_size ${srcVocabSize} and tgt_vocab_size ${tgtVocabSize}`,
    );
  }
  return {
    ...config,
    model_type: 'transformer',
    src_vocab_size: srcVocabSize,
    tgt_vocab_size: tgtVocabSize,
    d_model: dModel,
    num_heads: numHeads,
    encoder_layers: r.posInt('encoder_layers', 6),
    decoder_layers: r.posInt('decoder_layers', 6),
    ffn_dim: r.posInt('ffn_dim', 4 * dModel),
    dropout: r.fraction('dropout', 0.1),
    activation_function: r.activation('activation_function', 'relu'),
    norm_placement: r.norm('norm_placement', 'post'),
    layer_norm_eps: r.positive('layer_norm_eps', 1e-5),
    max_position_embeddings: r.posInt('max_position_embeddings', 512),
    truncation: r.bool('truncation', false),
    share_embeddings: shareEmbeddings,
    tie_word_embeddings: r.bool('tie_word_embeddings', true),
    label_smoothing: r.fraction('label_smoothing', 0),
    bos_token_id: r.tokenId('bos_token_id', 1, tgtVocabSize),
    eos_token_id: r.tokenId('eos_token_id', 2, tgtVocabSize),
    pad_token_id: r.tokenId('pad_token_id', 0, tgtVocabSize),
  };
}
