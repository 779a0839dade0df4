import { ConfigError } from '../errors.js';
import type { ModelConfig } from '../model.js';

/**
 * A BERT config in Hugging Face's spelling (`BertConfig`): the fields `config.json` holds,
 * read and written unchanged, so a directory moves between Heed and `transformers`.
 * Fields Heed does not use (`transformers_version`, `use_cache`, …) are kept as they are.
 */
export interface BertConfig extends ModelConfig {
  model_type: 'bert';
  vocab_size: number;
  hidden_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  intermediate_size: number;
  /** `gelu` (exact erf), `gelu_new` / `gelu_pytorch_tanh` (tanh form), `relu`, `tanh`. */
  hidden_act: string;
  hidden_dropout_prob: number;
  attention_probs_dropout_prob: number;
  max_position_embeddings: number;
  type_vocab_size: number;
  initializer_range: number;
  layer_norm_eps: number;
  pad_token_id: number;
  /** Only `absolute` is implemented. */
  position_embedding_type: string;
  /** Dropout before the classification heads; `null` means `hidden_dropout_prob`. */
  classifier_dropout: number | null;
  /** Label names by class index (keys are decimal strings, as in HF). */
  id2label: Record<string, string>;
  /** Class index by label name. */
  label2id: Record<string, number>;
}

/** HF's `BertConfig()` defaults (bert-base sizes). */
export const BERT_DEFAULTS: Readonly<Omit<BertConfig, 'id2label' | 'label2id'>> = {
  model_type: 'bert',
  vocab_size: 30522,
  hidden_size: 768,
  num_hidden_layers: 12,
  num_attention_heads: 12,
  intermediate_size: 3072,
  hidden_act: 'gelu',
  hidden_dropout_prob: 0.1,
  attention_probs_dropout_prob: 0.1,
  max_position_embeddings: 512,
  type_vocab_size: 2,
  initializer_range: 0.02,
  layer_norm_eps: 1e-12,
  pad_token_id: 0,
  position_embedding_type: 'absolute',
  classifier_dropout: null,
};

/** Activations `hidden_act` may name. */
export const BERT_ACTIVATIONS: readonly string[] = ['gelu', 'gelu_python', 'gelu_new', 'gelu_pytorch_tanh', 'relu', 'tanh'];

/** A raw config as read from JSON, plus `num_labels` as a shorthand for default label names. */
export type BertConfigInput = Partial<BertConfig> & { num_labels?: number; [field: string]: unknown };

function positiveInt(type: string, c: Record<string, unknown>, field: string): void {
  const v = c[field];
  if (!(Number.isInteger(v) && (v as number) > 0)) throw new ConfigError(`${type}: "${field}" must be a positive integer, got ${JSON.stringify(v)}`);
}

function probability(type: string, c: Record<string, unknown>, field: string): void {
  const v = c[field];
  if (!(typeof v === 'number' && v >= 0 && v < 1))
    throw new ConfigError(`${type}: "${field}" must be a probability in [0, 1), got ${JSON.stringify(v)}`);
}

function labels(type: string, raw: BertConfigInput): Pick<BertConfig, 'id2label' | 'label2id'> {
  if (raw.id2label !== undefined) {
    const m = raw.id2label;
    if (m === null || typeof m !== 'object' || Array.isArray(m))
      throw new ConfigError(`${type}: "id2label" must be an object {"0": "label", …}, got ${JSON.stringify(m)}`);
    const n = Object.keys(m).length;
    const id2label: Record<string, string> = {};
    for (let i = 0; i < n; i++) {
      const name = m[String(i)];
      if (typeof name !== 'string')
        throw new ConfigError(`${type}: "id2label" must name every class 0..${n - 1}; class ${i} is ${JSON.stringify(name)}`);
      id2label[String(i)] = name;
    }
    if (raw.num_labels !== undefined && raw.num_labels !== n)
      throw new ConfigError(`${type}: "num_labels" (${raw.num_labels}) disagrees with "id2label" (${n} labels)`);
    const label2id: Record<string, number> = {};
    for (const [i, name] of Object.entries(id2label)) label2id[name] = Number(i);
    return { id2label, label2id };
  }
  const n = raw.num_labels ?? 2;
  if (!(Number.isInteger(n) && n > 0)) throw new ConfigError(`${type}: "num_labels" must be a positive integer, got ${JSON.stringify(n)}`);
  const id2label: Record<string, string> = {};
  const label2id: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    id2label[String(i)] = `LABEL_${i}`;
    label2id[`LABEL_${i}`] = i;
  }
  return { id2label, label2id };
}

/**
 * Fills in HF's defaults and validates a BERT config for the model type `type`. Throws a
 * ConfigError naming the field for a wrong value, and for options Heed does not implement
 * (`position_embedding_type` other than `absolute`, `is_decoder`, `add_cross_attention`,
 * `tie_word_embeddings: false`, an unknown `hidden_act`, `problem_type: multi_label_classification`).
 */
export function bertConfig(type: string, raw: BertConfigInput = {}): BertConfig {
  if (raw.model_type !== undefined && raw.model_type !== 'bert')
    throw new ConfigError(`${type}: "model_type" must be "bert", got ${JSON.stringify(raw.model_type)}`);
  const { num_labels: _numLabels, ...rest } = raw;
  const c = { ...BERT_DEFAULTS, ...rest, ...labels(type, raw), model_type: 'bert' } as BertConfig;
  const rec = c as Record<string, unknown>;
  for (const f of [
    'vocab_size',
    'hidden_size',
    'num_hidden_layers',
    'num_attention_heads',
    'intermediate_size',
    'max_position_embeddings',
    'type_vocab_size',
  ])
    positiveInt(type, rec, f);
  for (const f of ['hidden_dropout_prob', 'attention_probs_dropout_prob']) probability(type, rec, f);
  if (c.classifier_dropout !== null) probability(type, rec, 'classifier_dropout');
  if (c.hidden_size % c.num_attention_heads !== 0) {
    throw new ConfigError(`${type}: "hidden_size" (${c.hidden_size}) must be a multiple of "num_attention_heads" (${c.num_attention_heads})`);
  }
  if (!BERT_ACTIVATIONS.includes(c.hidden_act))
    throw new ConfigError(`${type}: "hidden_act" ${JSON.stringify(c.hidden_act)} is not implemented (use one of ${BERT_ACTIVATIONS.join(', ')})`);
  if (!(typeof c.layer_norm_eps === 'number' && c.layer_norm_eps > 0))
    throw new ConfigError(`${type}: "layer_norm_eps" must be a positive number, got ${JSON.stringify(c.layer_norm_eps)}`);
  if (!(typeof c.initializer_range === 'number' && c.initializer_range >= 0))
    throw new ConfigError(`${type}: "initializer_range" must be a non-negative number, got ${JSON.stringify(c.initializer_range)}`);
  if (!(Number.isInteger(c.pad_token_id) && c.pad_token_id >= 0 && c.pad_token_id < c.vocab_size)) {
    throw new ConfigError(`${type}: "pad_token_id" must be an id in [0, vocab_size = ${c.vocab_size}), got ${JSON.stringify(c.pad_token_id)}`);
  }
  if (c.position_embedding_type !== 'absolute') {
    throw new ConfigError(`${type}: "position_embedding_type": ${JSON.stringify(c.position_embedding_type)} is not implemented (only "absolute")`);
  }
  if (rec.tie_word_embeddings === false) {
    throw new ConfigError(`${type}: "tie_word_embeddings": false is not implemented (the MLM decoder is the word embedding matrix)`);
  }
  for (const f of ['is_decoder', 'add_cross_attention']) {
    if (rec[f] === true) throw new ConfigError(`${type}: "${f}": true is not implemented (Heed's BERT is an encoder only)`);
  }
  const problem = rec.problem_type;
  if (problem !== undefined && problem !== null && problem !== 'single_label_classification' && problem !== 'regression') {
    throw new ConfigError(`${type}: "problem_type": ${JSON.stringify(problem)} is not implemented (single_label_classification or regression)`);
  }
  return c;
}

/** The number of labels of a config (`id2label`'s size). */
export function numLabels(c: BertConfig): number {
  return Object.keys(c.id2label).length;
}
