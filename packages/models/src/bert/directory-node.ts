import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Heed } from '@heed/core';
import { loadTensors, writeFileAtomic } from '@heed/core/node';
import { StateDictError, type ModuleOptions } from '@heed/layers';
import { Tokenizer } from '@heed/tokenizers';
import { ConfigError, ModelDirectoryError } from '../errors.js';
import { readModelConfig, saveModel, WEIGHTS_FILE } from '../io/model-dir-node.js';
import type { CheckpointReport } from '../model.js';
import { createModel } from '../registry.js';
import type { BertPreTrainedModel } from './bert-model.js';
import { bertConfig, type BertConfig, type BertConfigInput } from './config.js';

/** Options of `loadBertDirectory`. */
export interface LoadBertOptions extends ModuleOptions {
  /** The model type to build (an HF class name); default the directory's `architectures[0]`, else `BertModel`. */
  architecture?: string;
  /** Config fields to override (e.g. `id2label` or `num_labels` for a new classification head). */
  config?: BertConfigInput;
  /** Load the directory's tokenizer too (default true). */
  tokenizer?: boolean;
}

/** A BERT loaded from a model directory. */
export interface LoadedBert<M extends BertPreTrainedModel = BertPreTrainedModel> {
  /** The model, in eval mode. */
  model: M;
  /** The directory's tokenizer (`tokenizer.json`, else `vocab.txt`), when it has one. */
  tokenizer: Tokenizer | undefined;
  /** Checkpoint keys left unused, and parameters left as initialised (a new head). */
  report: CheckpointReport;
}

/**
 * The tokenizer of a BERT directory: `tokenizer.json`, else `vocab.txt` (lower-cased unless
 * `tokenizer_config.json` says `do_lower_case: false`), else undefined. A tokenizer with
 * more ids than the config's `vocab_size` throws a ConfigError naming both sizes (fewer is
 * allowed: HF pads embedding matrices).
 */
export async function loadBertTokenizer(dir: string, config?: Pick<BertConfig, 'vocab_size'>): Promise<Tokenizer | undefined> {
  let tokenizer: Tokenizer | undefined;
  const json = join(dir, 'tokenizer.json');
  const vocab = join(dir, 'vocab.txt');
  if (existsSync(json)) {
    tokenizer = Tokenizer.fromJSON(await readFile(json, 'utf8'));
  } else if (existsSync(vocab)) {
    let lowercase = true;
    const tc = join(dir, 'tokenizer_config.json');
    if (existsSync(tc)) {
      const parsed = JSON.parse(await readFile(tc, 'utf8')) as { do_lower_case?: unknown };
      if (parsed.do_lower_case === false) lowercase = false;
    }
    tokenizer = Tokenizer.fromBertVocab(await readFile(vocab, 'utf8'), { lowercase });
  }
  if (tokenizer && config && tokenizer.getVocabSize() > config.vocab_size) {
    throw new ConfigError(`${dir}: the tokenizer has ${tokenizer.getVocabSize()} tokens but config.json's "vocab_size" is ${config.vocab_size}`);
  }
  return tokenizer;
}

/**
 * Loads a BERT model directory as Hugging Face writes it (`config.json`,
 * `model.safetensors`, `tokenizer.json` or `vocab.txt`), into any BERT model type: a
 * `BertForPreTraining` file loads into `BertModel` or `BertForMaskedLM` (the unused heads
 * are reported), and into a task model (the new head is initialised and reported).
 * Missing or mis-shaped encoder tensors throw a ModelDirectoryError naming the keys, and
 * nothing is kept.
 */
export async function loadBertDirectory<M extends BertPreTrainedModel = BertPreTrainedModel>(
  heed: Heed,
  dir: string,
  options: LoadBertOptions = {},
): Promise<LoadedBert<M>> {
  const raw = await readModelConfig(dir);
  if (raw.model_type !== undefined && raw.model_type !== 'bert')
    throw new ConfigError(`${dir}: config.json's "model_type" is ${JSON.stringify(raw.model_type)}, not "bert"`);
  const architecture = options.architecture ?? raw.architectures?.[0] ?? 'BertModel';
  const overrides = options.config ?? {};
  const merged: BertConfigInput = { ...(raw as BertConfigInput), ...overrides };
  if (overrides.num_labels !== undefined && overrides.id2label === undefined) {
    delete merged.id2label;
    delete merged.label2id;
  }
  const config = bertConfig(architecture, merged);
  if (!existsSync(join(dir, WEIGHTS_FILE))) {
    const other = ['model.safetensors.index.json', 'pytorch_model.bin', 'tf_model.h5'].filter((f) => existsSync(join(dir, f)));
    throw new ModelDirectoryError(
      `${dir}: no ${WEIGHTS_FILE}${other.length ? ` (found ${other.join(', ')}; Heed reads one unsharded safetensors file)` : ''}`,
    );
  }
  const tokenizer = options.tokenizer === false ? undefined : await loadBertTokenizer(dir, config);
  const { tokenizer: _t, architecture: _a, config: _c, ...moduleOptions } = options;
  const model = createModel<M>(heed, { ...config, architectures: [architecture] }, moduleOptions);
  let report: CheckpointReport;
  try {
    const { tensors } = await loadTensors(join(dir, WEIGHTS_FILE), { engine: model.engine });
    try {
      report = model.loadCheckpoint(tensors);
    } finally {
      for (const t of tensors.values()) t.dispose();
    }
  } catch (e) {
    model.dispose();
    if (e instanceof StateDictError) {
      const wrapped = new ModelDirectoryError(`${dir}: the weights do not fit ${architecture}: ${e.message}`);
      wrapped.cause = e;
      throw wrapped;
    }
    throw e;
  }
  model.eval();
  return { model, tokenizer, report };
}

/**
 * Saves a BERT as a Hugging Face model directory: `config.json` and `model.safetensors`
 * with HF's keys (see `saveModel`), plus, with a tokenizer, `tokenizer.json`, `vocab.txt`
 * (WordPiece vocabularies) and `tokenizer_config.json`, so `transformers` and Heed both
 * load it as is. Every file is written atomically.
 */
export async function saveBertDirectory(model: BertPreTrainedModel, dir: string, tokenizer?: Tokenizer): Promise<void> {
  if (tokenizer && tokenizer.getVocabSize() > model.config.vocab_size) {
    throw new ConfigError(
      `saveBertDirectory: the tokenizer has ${tokenizer.getVocabSize()} tokens but the model's "vocab_size" is ${model.config.vocab_size}`,
    );
  }
  await saveModel(model, dir);
  if (!tokenizer) return;
  await writeFileAtomic(join(dir, 'tokenizer.json'), tokenizer.toString(true));
  const json = tokenizer.toJSON() as { model?: { type?: string }; normalizer?: { lowercase?: boolean } | null };
  if (json.model?.type === 'WordPiece') {
    const vocab = [...tokenizer.getVocab(false)].sort((a, b) => a[1] - b[1]);
    await writeFileAtomic(join(dir, 'vocab.txt'), `${vocab.map(([t]) => t).join('\n')}\n`);
  }
  const tc = {
    tokenizer_class: 'BertTokenizer',
    do_lower_case: json.normalizer?.lowercase ?? true,
    model_max_length: model.config.max_position_embeddings,
  };
  await writeFileAtomic(join(dir, 'tokenizer_config.json'), `${JSON.stringify(tc, null, 2)}\n`);
}
