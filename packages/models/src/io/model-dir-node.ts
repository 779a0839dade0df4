import { readFile, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { loadTensors, saveTensors, writeFileAtomic } from '@heed/core/node';
import { StateDictError, type ModuleOptions } from '@heed/layers';
import type { Heed } from '@heed/core';
import { ModelDirectoryError } from '../errors.js';
import type { Model, ModelConfig } from '../model.js';
import { createModel } from '../registry.js';

/** File names inside a model directory (Hugging Face's). */
export const CONFIG_FILE = 'config.json';
export const WEIGHTS_FILE = 'model.safetensors';

/**
 * Saves `model` as a model directory: `config.json` (with `architectures: [type]`) and
 * `model.safetensors`, each written atomically (temporary file, fsync, rename). The
 * directory is created when missing; other files in it (tokenizer files) are kept.
 * The weights are written first, so a config never names weights that are not there.
 */
export async function saveModel(model: Model, dir: string): Promise<void> {
  const config = `${JSON.stringify(model.toConfigJSON(), null, 2)}\n`;
  await mkdir(dir, { recursive: true });
  await saveTensors(join(dir, WEIGHTS_FILE), model.stateDict(), { format: 'pt' });
  await writeFileAtomic(join(dir, CONFIG_FILE), config);
}

/** Reads and parses a model directory's `config.json`. */
export async function readModelConfig(dir: string): Promise<ModelConfig> {
  const path = join(dir, CONFIG_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      const isDir = await stat(dir).then((s) => s.isDirectory(), () => false);
      throw new ModelDirectoryError(isDir ? `${dir}: not a model directory (no ${CONFIG_FILE})` : `${dir}: no such model directory`);
    }
    throw e;
  }
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (e) {
    throw new ModelDirectoryError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  if (config === null || typeof config !== 'object' || Array.isArray(config)) throw new ModelDirectoryError(`${path}: must hold a JSON object`);
  return config as ModelConfig;
}

/** Options of `loadModel`. */

/**
 * Loads a model directory: reads `config.json`, builds the registered type it names
 * (PluginNotFoundError lists the registered types otherwise) and loads
 * `model.safetensors` into it through `model.loadCheckpoint` (by default strictly: missing, unexpected or mis-shaped keys throw a
 * StateDictError naming them and the model is disposed). Returns the model in eval mode.
 */
export async function loadModel<M extends Model = Model>(heed: Heed, dir: string, options: ModuleOptions = {}): Promise<M> {
  const config = await readModelConfig(dir);
  const model = createModel<M>(heed, config, options);
  try {
    const { tensors } = await loadTensors(join(dir, WEIGHTS_FILE), { engine: model.engine });
    try {
      model.loadCheckpoint(tensors);
    } finally {
      for (const t of tensors.values()) t.dispose();
    }
  } catch (e) {
    model.dispose();
    if (e instanceof StateDictError) {
      const wrapped = new ModelDirectoryError(`${dir}: the weights do not match the config of ${model.modelType}: ${e.message}`);
      wrapped.cause = e;
      throw wrapped;
    }
    throw e;
  }
  model.eval();
  return model;
}
