/** Tensors ⇄ safetensors files through the public API (core's tensor I/O on the CPU backend). */
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointError, createHeed, float32ToRaw, ops, serializeSafetensors, tensorsFromSafetensors, type Heed } from '@heed/core';
import { loadTensors, saveTensors } from '@heed/core/node';
import { cpuBackendModule } from '../src/index.js';

let heed: Heed;
let dir: string;
beforeAll(async () => {
  heed = await createHeed({ plugins: [cpuBackendModule] });
  dir = await mkdtemp(join(tmpdir(), 'heed-ckpt-'));
});
afterAll(async () => {
  heed.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('saveTensors / loadTensors', () => {
  it('round-trips float32, int32 and bool tensors with metadata', async () => {
    const path = join(dir, 'model.safetensors');
    const w = ops.randomNormal([3, 4], 0, 1, { seed: 3 });
    const ids = ops.tensor([1, -2, 3], [3], 'int32');
    const mask = ops.tensor([true, false], [2]);
    await saveTensors(path, { 'encoder.w': w, ids, mask }, { format: 'heed' });
    const { tensors, metadata } = await loadTensors(path);
    expect(metadata).toEqual({ format: 'heed' });
    expect([...tensors.keys()].sort()).toEqual(['encoder.w', 'ids', 'mask']);
    expect(Array.from(await tensors.get('encoder.w')!.data())).toEqual(Array.from(await w.data()));
    expect(tensors.get('ids')!.dtype).toBe('int32');
    expect(Array.from(await tensors.get('ids')!.data())).toEqual([1, -2, 3]);
    expect(tensors.get('mask')!.dtype).toBe('bool');
    expect(Array.from(await tensors.get('mask')!.data())).toEqual([1, 0]);
  });

  it('a save that fails leaves the previous checkpoint intact and no temporary file', async () => {
    const path = join(dir, 'keep.safetensors');
    await saveTensors(path, { a: ops.tensor([1, 2]) });
    const before = await readFile(path);
    const gone = ops.tensor([3]);
    gone.dispose();
    await expect(saveTensors(path, { a: ops.tensor([5, 6]), b: gone })).rejects.toThrow(/used after dispose/);
    expect(Buffer.compare(await readFile(path), before)).toBe(0);
    expect((await readdir(dir)).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('loads half-precision weights as float32', () => {
    const raw = float32ToRaw(Float32Array.from([0.5, -2, 1024]), [3], 'F16');
    const { tensors } = tensorsFromSafetensors(serializeSafetensors({ h: raw }));
    expect(tensors.get('h')!.dtype).toBe('float32');
    expect(Array.from(tensors.get('h')!.dataSync())).toEqual([0.5, -2, 1024]);
  });

  it('a truncated file gives a CheckpointError naming the file', async () => {
    const path = join(dir, 'bad.safetensors');
    await saveTensors(path, { a: ops.tensor([1, 2, 3]) });
    const bytes = await readFile(path);
    await writeFile(path, bytes.subarray(0, bytes.length - 4));
    await expect(loadTensors(path)).rejects.toThrow(CheckpointError);
    await expect(loadTensors(path)).rejects.toThrow(/bad\.safetensors/);
  });
});
