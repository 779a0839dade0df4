/**
 * @heed/layers/node: saving and loading a module's state dict as a safetensors file
 * (Node's file system, through `@heed/core/node`).
 */
import { loadTensors, saveTensors } from '@heed/core/node';
import type { Module } from './module.js';

/** Writes `module.stateDict()` to a safetensors file (atomically); keys are the dotted parameter names. */
export async function saveModule(module: Module, path: string, metadata?: Record<string, string>): Promise<void> {
  await saveTensors(path, module.stateDict(), metadata);
}

/**
 * Loads a safetensors file into `module` (strict by default: the key sets must match,
 * shapes always); throws a StateDictError naming the keys otherwise. Returns the metadata.
 */
export async function loadModule(module: Module, path: string, options: { strict?: boolean } = {}): Promise<Record<string, string>> {
  const { tensors, metadata } = await loadTensors(path, { engine: module.engine });
  try {
    module.loadStateDict(tensors, options);
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
  return metadata;
}
