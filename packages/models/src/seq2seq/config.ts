/**
 * Configs of the recurrent encoder–decoders (camelCase fields, as the rest of
 * @heed/models), and their validation: every field is checked and defaults are
 * filled in, so the stored config is complete and JSON-serialisable.
 */
import { ConfigError } from '../errors.js';
import type { ModelConfig } from '../model.js';
import { boolField, intField, rateField, stringField, tokenField } from './config-fields.js';
import { CELL_TYPES, type CellType } from './rnn.js';

/** Every field of a `Seq2Seq` config (the shared part of `AttentionSeq2Seq`'s); see `Seq2SeqConfig` for defaults. */
export interface Seq2SeqSettings {
  /** Source vocabulary size. */
  srcVocabSize: number;
  /** Target vocabulary size (includes the pad, BOS and EOS ids). */
  tgtVocabSize: number;
  /** Size of both embeddings (default 32). */
  embeddingSize: number;
  /** Hidden size of the encoder (each direction) and the decoder (default 64). */
  hiddenSize: number;
  /** Layers of the encoder and of the decoder (default 1). */
  numLayers: number;
  /** "gru" (default) or "lstm". */
  cell: CellType;
  /** Bidirectional encoder, bridged into the decoder's state (default false). */
  bidirectional: boolean;
  /** Dropout on embeddings, between layers and before the output projection (default 0). */
  dropout: number;
  /** Padding id of both vocabularies (default 0). */
  padTokenId: number;
  /** Decoder start token (default 1). */
  bosTokenId: number;
  /** End-of-sentence token (default 2). */
  eosTokenId: number;
  /** Output projection shares the target embedding matrix (needs embeddingSize = hiddenSize; default false). */
  tieOutput: boolean;
  /** Label smoothing ε of the training loss, in [0, 1) (default 0). */
  labelSmoothing: number;
}

/** The attention variants of `AttentionSeq2Seq`. */
export type AttentionKind = 'bahdanau' | 'luong';

/** Config of `Seq2Seq`: the vocabulary sizes are required, every other field has a default. */
export type Seq2SeqConfig = ModelConfig & Pick<Seq2SeqSettings, 'srcVocabSize' | 'tgtVocabSize'> & Partial<Seq2SeqSettings>;

/** A validated `Seq2SeqConfig` with every default filled in. */
export type FullSeq2SeqConfig = ModelConfig & Seq2SeqSettings;

/** The attention fields of an `AttentionSeq2Seq` config. */
export interface AttentionSettings {
  /** "bahdanau" (default: attention before the RNN step) or "luong" (after it, then tanh(W[c; h])). */
  attention: AttentionKind;
  /** Name of a scorer registered under TOKENS.AttentionScore (default "additive"), a user's own included. */
  score: string;
  /** Hidden size of the scorer's projection (`additive`; default hiddenSize). */
  attentionSize: number;
  /** Longest source the `location` scorer handles (only that scorer needs it). */
  maxSourceLength?: number;
}

/** Config of `AttentionSeq2Seq`: `Seq2SeqConfig` plus the attention fields (all with defaults). */
export type AttentionSeq2SeqConfig = Seq2SeqConfig & Partial<AttentionSettings>;

/** A validated `AttentionSeq2SeqConfig` (`maxSourceLength` stays optional). */
export type FullAttentionSeq2SeqConfig = FullSeq2SeqConfig &
  Omit<AttentionSettings, 'maxSourceLength'> &
  Pick<Partial<AttentionSettings>, 'maxSourceLength'>;

/** Validates a `Seq2SeqConfig` (ConfigError naming the field) and fills in its defaults. */
export function seq2seqConfig(type: string, config: ModelConfig): FullSeq2SeqConfig {
  const tgt = intField(type, config, 'tgtVocabSize');
  const hidden = intField(type, config, 'hiddenSize', 64);
  const emb = intField(type, config, 'embeddingSize', 32);
  const full: FullSeq2SeqConfig = {
    model_type: typeof config.model_type === 'string' ? config.model_type : 'seq2seq',
    srcVocabSize: intField(type, config, 'srcVocabSize'),
    tgtVocabSize: tgt,
    embeddingSize: emb,
    hiddenSize: hidden,
    numLayers: intField(type, config, 'numLayers', 1),
    cell: stringField(type, config, 'cell', 'gru', CELL_TYPES),
    bidirectional: boolField(type, config, 'bidirectional', false),
    dropout: rateField(type, config, 'dropout', 0),
    padTokenId: tokenField(type, config, 'padTokenId', 0, tgt, 'tgtVocabSize'),
    bosTokenId: tokenField(type, config, 'bosTokenId', 1, tgt, 'tgtVocabSize'),
    eosTokenId: tokenField(type, config, 'eosTokenId', 2, tgt, 'tgtVocabSize'),
    tieOutput: boolField(type, config, 'tieOutput', false),
    labelSmoothing: rateField(type, config, 'labelSmoothing', 0),
  };
  if (full.padTokenId >= full.srcVocabSize) {
    throw new ConfigError(`${type}: "padTokenId" ${full.padTokenId} is outside the source vocabulary [0, ${full.srcVocabSize}) ("srcVocabSize")`);
  }
  if (full.tieOutput && emb !== hidden) {
    throw new ConfigError(`${type}: "tieOutput" needs "embeddingSize" = "hiddenSize", got ${emb} and ${hidden}`);
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
    attentionSize: intField(type, config, 'attentionSize', base.hiddenSize),
  };
  if (config.maxSourceLength !== undefined) full.maxSourceLength = intField(type, config, 'maxSourceLength');
  return full;
}
