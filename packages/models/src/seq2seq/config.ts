/**
 * Configs of the recurrent encoder–decoders (Hugging Face-style snake_case fields, like
 * the Transformer's and BERT's), and their validation: every field is checked and
 * defaults are filled in, so the stored config is complete and JSON-serialisable.
 */
import { ConfigError } from '../errors.js';
import type { ModelConfig } from '../model.js';
import { boolField, intField, rateField, stringField, tokenField } from './config-fields.js';
import { CELL_TYPES, type CellType } from './rnn.js';

/** Every field of a `Seq2Seq` config (the shared part of `AttentionSeq2Seq`'s); see `Seq2SeqConfig` for defaults. */
export interface Seq2SeqSettings {
  /** Source vocabulary size. */
  src_vocab_size: number;
  /** Target vocabulary size (includes the pad, BOS and EOS ids). */
  tgt_vocab_size: number;
  /** Size of both embeddings (default 32). */
  embedding_size: number;
  /** Hidden size of the encoder (each direction) and the decoder (default 64). */
  hidden_size: number;
  /** Layers of the encoder and of the decoder (default 1). */
  num_layers: number;
  /** "gru" (default) or "lstm". */
  cell: CellType;
  /** Bidirectional encoder, bridged into the decoder's state (default false). */
  bidirectional: boolean;
  /** Dropout on embeddings, between layers and before the output projection (default 0). */
  dropout: number;
  /** Padding id of both vocabularies (default 0). */
  pad_token_id: number;
  /** Decoder start token (default 1). */
  bos_token_id: number;
  /** End-of-sentence token (default 2). */
  eos_token_id: number;
  /** Output projection shares the target embedding matrix (needs embedding_size = hidden_size; default false). */
  tie_word_embeddings: boolean;
  /** Label smoothing ε of the training loss, in [0, 1) (default 0). */
  label_smoothing: number;
}

/** The attention variants of `AttentionSeq2Seq`. */
export type AttentionKind = 'bahdanau' | 'luong';

/** Config of `Seq2Seq`: the vocabulary sizes are required, every other field has a default. */
export type Seq2SeqConfig = ModelConfig & Pick<Seq2SeqSettings, 'src_vocab_size' | 'tgt_vocab_size'> & Partial<Seq2SeqSettings>;

/** A validated `Seq2SeqConfig` with every default filled in. */
export type FullSeq2SeqConfig = ModelConfig & Seq2SeqSettings;

/** The attention fields of an `AttentionSeq2Seq` config. */
export interface AttentionSettings {
  /** "bahdanau" (default: attention before the RNN step) or "luong" (after it, then tanh(W[c; h])). */
  attention: AttentionKind;
  /** Name of a scorer registered under TOKENS.AttentionScore (default "additive"), a user's own included. */
  score: string;
  /** Hidden size of the scorer's projection (`additive`; default hidden_size). */
  attention_size: number;
  /** Longest source the `location` scorer handles (only that scorer needs it). */
  max_source_length?: number;
}

/** Config of `AttentionSeq2Seq`: `Seq2SeqConfig` plus the attention fields (all with defaults). */
export type AttentionSeq2SeqConfig = Seq2SeqConfig & Partial<AttentionSettings>;

/** A validated `AttentionSeq2SeqConfig` (`max_source_length` stays optional). */
export type FullAttentionSeq2SeqConfig = FullSeq2SeqConfig &
  Omit<AttentionSettings, 'max_source_length'> &
  Pick<Partial<AttentionSettings>, 'max_source_length'>;

/** Validates a `Seq2SeqConfig` (ConfigError naming the field) and fills in its defaults. */
export function seq2seqConfig(type: string, config: ModelConfig): FullSeq2SeqConfig {
  const tgt = intField(type, config, 'tgt_vocab_size');
  const hidden = intField(type, config, 'hidden_size', 64);
  const emb = intField(type, config, 'embedding_size', 32);
  const full: FullSeq2SeqConfig = {
    model_type: typeof config.model_type === 'string' ? config.model_type : 'seq2seq',
    src_vocab_size: intField(type, config, 'src_vocab_size'),
    tgt_vocab_size: tgt,
    embedding_size: emb,
    hidden_size: hidden,
    num_layers: intField(type, config, 'num_layers', 1),
    cell: stringField(type, config, 'cell', 'gru', CELL_TYPES),
    bidirectional: boolField(type, config, 'bidirectional', false),
    dropout: rateField(type, config, 'dropout', 0),
    pad_token_id: tokenField(type, config, 'pad_token_id', 0, tgt, 'tgt_vocab_size'),
    bos_token_id: tokenField(type, config, 'bos_token_id', 1, tgt, 'tgt_vocab_size'),
    eos_token_id: tokenField(type, config, 'eos_token_id', 2, tgt, 'tgt_vocab_size'),
    tie_word_embeddings: boolField(type, config, 'tie_word_embeddings', false),
    label_smoothing: rateField(type, config, 'label_smoothing', 0),
  };
  if (full.pad_token_id >= full.src_vocab_size) {
    throw new ConfigError(
      `${type}: "pad_token_id" ${full.pad_token_id} is outside the source vocabulary [0, ${full.src_vocab_size}) ("src_vocab_size")`,
    );
  }
  if (full.tie_word_embeddings && emb !== hidden) {
    throw new ConfigError(`${type}: "tie_word_embeddings" needs "embedding_size" = "hidden_size", got ${emb} and ${hidden}`);
  }
  return full;
}

/** Validates an `AttentionSeq2SeqConfig` and fills in its defaults. */
export function attentionSeq2SeqConfig(type: string, config: ModelConfig): FullAttentionSeq2SeqConfig {
  const base = seq2seqConfig(type, config);
  const full: FullAttentionSeq2SeqConfig = {
    ...base,
    attention: stringField<AttentionKind>(type, config, 'attention', 'bahdanau', ['bahdanau', 'luong']),
    score: stringField(type, config, 'score', 'additive'),
    attention_size: intField(type, config, 'attention_size', base.hidden_size),
  };
  if (config.max_source_length !== undefined) full.max_source_length = intField(type, config, 'max_source_length');
  return full;
}
