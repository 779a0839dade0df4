/** Test helpers: a Heed app with the layers', models', tasks' and the tiny models' plugins; model directories of tiny models. */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContainerModule } from 'inversify';
import { createHeed, type Heed } from '@heed/core';
import { cpuBackendModule } from '@heed/backend-cpu';
import { webgpuBackendModule } from '@heed/backend-webgpu';
import { layersModule } from '@heed/layers';
import { createModel, modelsModule, type Model, type ModelConfig } from '@heed/models';
import { saveTokenizer } from '@heed/tokenizers/node';
import { tasksModule } from '../src/index.js';
import { VOCAB, tinyModels, tinyTokenizer } from './tiny-models.js';

/** An app (CPU unless told) with every plugin the pipeline tests need, plus `extra`. */
export function testHeed(extra: readonly ContainerModule[] = [], backend: 'cpu' | 'webgpu' = 'cpu'): Promise<Heed> {
  const backendModule = backend === 'cpu' ? cpuBackendModule : webgpuBackendModule;
  return createHeed({ plugins: [backendModule, layersModule, modelsModule, tasksModule, tinyModels, ...extra], backend, setActive: true });
}

/** Creates a tiny model of `type`, saves it with the tiny tokenizer into a fresh directory; returns the directory and the model. */
export async function tinyModelDir<M extends Model>(heed: Heed, type: string, extra: ModelConfig = {}, seed = 3): Promise<{ dir: string; model: M }> {
  const dir = await mkdtemp(join(tmpdir(), 'heed-tasks-'));
  const model = createModel<M>(heed, { architectures: [type], vocab_size: VOCAB.length, hidden: 8, num_labels: 2, ...extra }, { seed });
  await model.save(dir);
  saveTokenizer(tinyTokenizer(), join(dir, 'tokenizer.json'));
  return { dir, model };
}
