/**
 * Training checkpoints on disk (Node). A checkpoint is a directory `checkpoint-<step>`:
 * `model/` (a model directory: config.json + model.safetensors), `optimizer.safetensors`
 * (moments by `${parameter}/${slot}`) and `trainer.json` (step, epoch, data cursor, RNG
 * state, schedule, optimizer counters, early-stopping state, the model's config). It is
 * written into a temporary directory beside it and renamed into place when complete, so a
 * crash never leaves a half checkpoint, and an existing checkpoint is never overwritten.
 */
import { mkdir, mkdtemp, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Engine, Optimizer, OptimizerState, RngState, Tensor } from '@heed/core';
import { loadTensors, saveTensors, writeFileAtomic } from '@heed/core/node';
import { saveModel } from '../io/model-dir-node.js';
import type { Model, ModelConfig } from '../model.js';
import type { DataCursor } from './data/source.js';
import { ResumeError } from './errors.js';
import type { ScheduleConfig } from './schedules.js';

/** The checkpoint's JSON state (step, epoch, cursor, RNG, schedule, optimizer counters, model config). */
export const TRAINER_FILE = 'trainer.json';
/** The checkpoint's optimizer tensors (moments by `${parameter}/${slot}`). */
export const OPTIMIZER_FILE = 'optimizer.safetensors';
/** The checkpoint's model directory (config.json + model.safetensors, loadable with `loadModel`). */
export const MODEL_DIR = 'model';
const FORMAT = 'heed-trainer-checkpoint';

/** The JSON part of a checkpoint (`trainer.json`). */
export interface TrainerCheckpoint {
  readonly format: typeof FORMAT;
  readonly version: 1;
  /** Optimizer steps done. */
  readonly step: number;
  readonly epoch: number;
  /** Where the data continues within `epoch` (null: at its start). */
  readonly cursor: DataCursor | null;
  /** The model's generator (dropout masks) after `step`. */
  readonly rng: RngState;
  readonly schedule: ScheduleConfig;
  readonly optimizer: OptimizerState['meta'];
  /** The model's `toConfigJSON()`. */
  readonly model: ModelConfig;
  /** Early-stopping state: the best metric (null before the first evaluation), its step, evaluations since. */
  readonly early: { readonly best: number | null; readonly bestStep: number; readonly bad: number };
}

/** The directory name of the checkpoint of `step`. */
export function checkpointName(step: number): string {
  return `checkpoint-${String(step).padStart(8, '0')}`;
}

/** The checkpoints in a run directory, by step (none when it does not exist). */
export async function listCheckpoints(dir: string): Promise<{ step: number; path: string }[]> {
  const names = await readdir(dir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return [] as string[];
    throw e;
  });
  return names
    .map((n) => /^checkpoint-(\d+)$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ step: Number(m[1]), path: join(dir, m[0]) }))
    .sort((a, b) => a.step - b.step);
}

/** Writes a complete checkpoint of `step` under `dir` and returns its path. */
export async function writeCheckpoint(dir: string, model: Model, optimizer: Optimizer, json: TrainerCheckpoint): Promise<string> {
  await mkdir(dir, { recursive: true });
  const name = checkpointName(json.step);
  const path = join(dir, name);
  if (await exists(path)) throw new ResumeError(`${path} already exists; a checkpoint is never overwritten`);
  const tmp = await mkdtemp(join(dir, `.${name}.tmp-`));
  try {
    await saveModel(model, join(tmp, MODEL_DIR));
    await saveTensors(join(tmp, OPTIMIZER_FILE), optimizer.stateDict(model.namedParameters()).tensors as Map<string, Tensor>);
    await writeFileAtomic(join(tmp, TRAINER_FILE), `${JSON.stringify(json, null, 2)}\n`);
    if (await exists(path)) throw new ResumeError(`${path} appeared while writing; a checkpoint is never overwritten`);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  return path;
}

/**
 * Reads `trainer.json` of a checkpoint. `path` is a checkpoint directory or a run directory
 * (its latest checkpoint is used). Throws `ResumeError` when there is no checkpoint there.
 */
export async function readCheckpoint(path: string): Promise<{ path: string; json: TrainerCheckpoint }> {
  let dir = path;
  if (!(await exists(join(path, TRAINER_FILE)))) {
    const all = await listCheckpoints(path);
    if (all.length === 0) throw new ResumeError(`${path}: no training checkpoint here (no ${TRAINER_FILE}, no checkpoint-<step> directories)`);
    dir = all.at(-1)!.path;
  }
  const file = join(dir, TRAINER_FILE);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new ResumeError(`${file}: not readable as JSON (${(e as Error).message})`);
  }
  const j = json as Partial<TrainerCheckpoint> | null;
  if (!j || j.format !== FORMAT || j.version !== 1) throw new ResumeError(`${file}: not a version-1 ${FORMAT}`);
  for (const k of ['step', 'epoch'] as const) {
    if (!(Number.isInteger(j[k]) && j[k]! >= 0)) throw new ResumeError(`${file}: "${k}" must be a count, got ${JSON.stringify(j[k])}`);
  }
  if (!j.model || !j.schedule || !j.optimizer || !j.rng || !j.early) {
    throw new ResumeError(`${file}: incomplete (model, schedule, optimizer, rng and early are required)`);
  }
  return { path: dir, json: j as TrainerCheckpoint };
}

/** Loads a checkpoint's weights and optimizer tensors on `engine` (the caller disposes them). */
export async function readCheckpointTensors(path: string, engine: Engine): Promise<{ weights: Map<string, Tensor>; optimizer: Map<string, Tensor> }> {
  const weights = (await loadTensors(join(path, MODEL_DIR, 'model.safetensors'), { engine })).tensors;
  try {
    const optimizer = (await loadTensors(join(path, OPTIMIZER_FILE), { engine })).tensors;
    return { weights, optimizer };
  } catch (e) {
    for (const t of weights.values()) t.dispose();
    throw e;
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
