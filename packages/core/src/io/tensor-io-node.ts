/** Saving and loading named tensors as safetensors files (Node). */
import type { Engine } from '../engine.js';
import type { Tensor } from '../tensor.js';
import { readSafetensorsFile, writeSafetensorsFile } from './safetensors-node.js';
import { tensorsFromRaw, tensorsToRaw, type NamedTensors } from './tensor-io.js';

/**
 * Writes tensors to a safetensors file atomically: a temporary file in the same folder,
 * fsynced, then renamed over `path`, so an interrupted save never leaves a half-written
 * checkpoint and never damages the previous one.
 */
export async function saveTensors(path: string, tensors: NamedTensors, metadata?: Record<string, string>): Promise<void> {
  await writeSafetensorsFile(path, await tensorsToRaw(tensors), metadata);
}

/** Loads every tensor of a safetensors file; malformed files raise CheckpointError naming the path. */
export async function loadTensors(path: string, options: { engine?: Engine } = {}): Promise<{ tensors: Map<string, Tensor>; metadata: Record<string, string> }> {
  const parsed = await readSafetensorsFile(path);
  return { tensors: tensorsFromRaw(parsed.tensors, options), metadata: parsed.metadata };
}
