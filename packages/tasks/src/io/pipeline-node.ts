/**
 * Pipelines from model directories (Node): `config.json` + `model.safetensors` (read by
 * `@heed/models/node`) and the tokenizer files beside them (`tokenizer.json`, else a BERT
 * `vocab.txt`; an encoder–decoder with its own target vocabulary adds `target_tokenizer.json`).
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { Heed } from '@heed/core';
import { ModelDirectoryError } from '@heed/models';
import { loadModel, readModelConfig } from '@heed/models/node';
import { TokenizerError, type Tokenizer } from '@heed/tokenizers';
import { fromFile, fromVocabFile } from '@heed/tokenizers/node';
import type { AnyPipeline, PipelineOptions } from '../pipelines/pipeline.js';
import { checkTaskModel, checkTokenizerVocab, taskRegistration } from '../pipelines/registry.js';

const exists = (p: string): Promise<boolean> =>
  access(p).then(
    () => true,
    () => false,
  );

async function loadTokenizerFile(path: string, dir: string): Promise<Tokenizer> {
  try {
    return fromFile(path);
  } catch (e) {
    if (e instanceof TokenizerError) {
      const wrapped = new ModelDirectoryError(`${dir}: ${path} is malformed: ${e.message}`);
      wrapped.cause = e;
      throw wrapped;
    }
    throw e;
  }
}

/** Loads the tokenizer of a model directory: `tokenizer.json`, else `vocab.txt` (BERT WordPiece). */
export async function loadTokenizer(dir: string): Promise<Tokenizer> {
  return (await loadTokenizerOf(dir)).tokenizer;
}

/** `loadTokenizer`, with the file it came from. */
async function loadTokenizerOf(dir: string): Promise<{ tokenizer: Tokenizer; file: string }> {
  const json = join(dir, 'tokenizer.json');
  const vocab = join(dir, 'vocab.txt');
  try {
    if (await exists(json)) return { tokenizer: fromFile(json), file: 'tokenizer.json' };
    if (await exists(vocab)) return { tokenizer: fromVocabFile(vocab), file: 'vocab.txt' };
  } catch (e) {
    if (e instanceof TokenizerError) {
      const wrapped = new ModelDirectoryError(`${dir}: the tokenizer files are malformed: ${e.message}`);
      wrapped.cause = e;
      throw wrapped;
    }
    throw e;
  }
  throw new ModelDirectoryError(`${dir}: no tokenizer (tokenizer.json or vocab.txt)`);
}

/**
 * Loads the pipeline of `task` from a model directory: checks that the directory's model
 * fits the task (TaskModelMismatchError naming both otherwise) before loading any weights,
 * then loads the tokenizer(s), checks that none has more ids than the config's vocabulary
 * size (VocabSizeMismatchError naming the file, both sizes and the field), and loads the model. An unknown task throws PluginNotFoundError
 * listing the registered tasks.
 */
export async function pipeline<P extends AnyPipeline = AnyPipeline>(
  heed: Heed,
  task: string,
  modelDir: string,
  options: PipelineOptions = {},
): Promise<P> {
  const reg = taskRegistration(heed, task);
  const config = await readModelConfig(modelDir);
  checkTaskModel(reg, config, modelDir);
  const { tokenizer, file } = await loadTokenizerOf(modelDir);
  const targetPath = join(modelDir, 'target_tokenizer.json');
  const targetTokenizer = (await exists(targetPath)) ? await loadTokenizerFile(targetPath, modelDir) : undefined;
  checkTokenizerVocab(config, { tokenizer, ...(targetTokenizer && { targetTokenizer }) }, modelDir, { tokenizer: file, targetTokenizer: 'target_tokenizer.json' });
  const model = await loadModel(heed, modelDir);
  try {
    return reg.create(heed, { model, tokenizer, config, source: modelDir, ...(targetTokenizer ? { targetTokenizer } : {}) }, options) as P;
  } catch (e) {
    model.dispose();
    throw e;
  }
}
