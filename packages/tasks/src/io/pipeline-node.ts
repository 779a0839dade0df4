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
import { checkTaskModel, taskRegistration } from '../pipelines/registry.js';

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
  const json = join(dir, 'tokenizer.json');
  const vocab = join(dir, 'vocab.txt');
  try {
    if (await exists(json)) return fromFile(json);
    if (await exists(vocab)) return fromVocabFile(vocab);
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
 * then loads the tokenizer and the model. An unknown task throws PluginNotFoundError
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
  const tokenizer = await loadTokenizer(modelDir);
  const targetPath = join(modelDir, 'target_tokenizer.json');
  const targetTokenizer = (await exists(targetPath)) ? await loadTokenizerFile(targetPath, modelDir) : undefined;
  const model = await loadModel(heed, modelDir);
  try {
    return reg.create(heed, { model, tokenizer, config, source: modelDir, ...(targetTokenizer ? { targetTokenizer } : {}) }, options) as P;
  } catch (e) {
    model.dispose();
    throw e;
  }
}
