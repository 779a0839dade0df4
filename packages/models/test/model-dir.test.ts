/** Model directories: a user's own model type registers, saves and loads like a built-in; bad directories raise typed errors. */
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PluginNotFoundError, crossEntropy, tensor, type Heed, type Tensor } from '@heed/core';
import { Linear, type ModuleOptions } from '@heed/layers';
import { ConfigError, Model, ModelDirectoryError, createModel, modelTypes, type ModelConfig, type ModelOutput } from '../src/index.js';
import { loadModel, saveModel } from '../src/node.js';
import { testHeed } from './helpers.js';

interface TinyConfig extends ModelConfig {
  inputs: number;
  classes: number;
}

/** A user's model: one linear layer, cross-entropy loss when labels are given. */
class TinyClassifier extends Model<TinyConfig, { x: Tensor; labels?: Tensor }> {
  readonly modelType = 'TinyClassifier';
  readonly proj: Linear;
  constructor(config: TinyConfig, options: ModuleOptions) {
    super(config, options);
    this.proj = this.child('proj', new Linear(config.inputs, config.classes, this.childOptions));
  }
  forward(batch: { x: Tensor; labels?: Tensor }): ModelOutput {
    const logits = this.proj.forward(batch.x);
    return batch.labels ? { logits, loss: crossEntropy(logits, batch.labels) } : { logits };
  }
}

const userModule = modelTypes({
  type: 'TinyClassifier',
  create: (_heed, config: TinyConfig, options) => {
    if (!(Number.isInteger(config.inputs) && config.inputs > 0)) throw new ConfigError(`TinyClassifier: "inputs" must be a positive integer, got ${JSON.stringify(config.inputs)}`);
    return new TinyClassifier({ inputs: config.inputs, classes: config.classes, model_type: 'tiny' }, options);
  },
});

let heed: Heed;
beforeAll(async () => {
  heed = await testHeed('cpu', [userModule]);
});
afterAll(() => heed.dispose());

describe('model directories', () => {
  it("a user's own model type saves and loads through the container, with identical outputs", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'heed-model-'));
    const model = createModel<TinyClassifier>(heed, { architectures: ['TinyClassifier'], inputs: 3, classes: 2 }, { seed: 7 });
    await model.save(dir);
    expect((await readdir(dir)).sort()).toEqual(['config.json', 'model.safetensors']);
    const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
    expect(config).toEqual({ inputs: 3, classes: 2, model_type: 'tiny', architectures: ['TinyClassifier'] });
    const loaded = await loadModel<TinyClassifier>(heed, dir);
    expect(loaded).toBeInstanceOf(TinyClassifier);
    expect(loaded.training).toBe(false);
    const x = tensor([[1, 2, 3], [-1, 0.5, 2]]);
    const a = await model.forward({ x }).logits!.data();
    const b = await loaded.forward({ x }).logits!.data();
    expect(Array.from(b)).toEqual(Array.from(a));
    const out = loaded.forward({ x, labels: tensor([0, 1], [2], 'int32') });
    expect(out.loss!.shape).toEqual([]);
    model.dispose();
    loaded.dispose();
  });

  it('an unregistered type lists the registered ones', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'heed-model-'));
    await writeFile(join(dir, 'config.json'), JSON.stringify({ architectures: ['NoSuchModel'] }));
    const err = await loadModel(heed, dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PluginNotFoundError);
    expect((err as Error).message).toContain('NoSuchModel');
    expect((err as Error).message).toContain('TinyClassifier');
  });

  it('weights that do not match the config name the keys; a bad config names the field', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'heed-model-'));
    const model = createModel<TinyClassifier>(heed, { architectures: ['TinyClassifier'], inputs: 3, classes: 2 });
    await saveModel(model, dir);
    model.dispose();
    await writeFile(join(dir, 'config.json'), JSON.stringify({ architectures: ['TinyClassifier'], inputs: 4, classes: 2 }));
    const before = heed.memory().numTensors;
    const err = await loadModel(heed, dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelDirectoryError);
    expect((err as Error).message).toMatch(/proj\.weight expects \[2,4\], got \[2,3\]/);
    expect(heed.memory().numTensors).toBe(before);
    await writeFile(join(dir, 'config.json'), JSON.stringify({ architectures: ['TinyClassifier'], inputs: 'x', classes: 2 }));
    await expect(loadModel(heed, dir)).rejects.toThrow(ConfigError);
    await writeFile(join(dir, 'config.json'), '{not json');
    await expect(loadModel(heed, dir)).rejects.toThrow(/not valid JSON/);
    await expect(loadModel(heed, join(dir, 'missing'))).rejects.toThrow(/no such model directory/);
    await expect(loadModel(heed, tmpdir())).rejects.toThrow(ModelDirectoryError);
  });
});
