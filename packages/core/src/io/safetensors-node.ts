/**
 * safetensors files on disk (Node only; the parser in `safetensors.ts` has no Node
 * dependency so that browsers can use it on fetched bytes).
 */
import { readFile, type FileHandle } from 'node:fs/promises';
import { writeFileAtomic } from './atomic-node.js';
import { CheckpointError } from '../errors.js';
import {
  encodeSafetensorsParts,
  parseSafetensors,
  type RawTensor,
  type SafetensorsContents,
} from './safetensors.js';

/**
 * Reads and validates a safetensors file. The whole file is read into memory; the
 * returned tensors' `data` are views into that one buffer.
 *
 * @throws CheckpointError when the file is malformed (the message starts with the path).
 *   File-system errors (e.g. `ENOENT`) are thrown as Node raises them.
 */
export async function readSafetensorsFile(path: string): Promise<SafetensorsContents> {
  const buf = await readFile(path);
  try {
    return parseSafetensors(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
  } catch (e) {
    if (e instanceof CheckpointError) {
      const wrapped = new CheckpointError(`${path}: ${e.message}`);
      wrapped.cause = e;
      throw wrapped;
    }
    throw e;
  }
}

/** Options of {@link writeSafetensorsFile}. */
export interface WriteSafetensorsOptions {
  /**
   * Writes one chunk (the header, then each tensor's data) to the open temporary file.
   * The default writes all of it at the current position. Tests replace it to simulate
   * a failure in the middle of a write.
   */
  writeChunk?: (file: FileHandle, chunk: Uint8Array) => Promise<void>;
}

/**
 * Writes tensors to a safetensors file atomically: the bytes go to
 * `<path>.tmp-<random hex>` in the same directory, which is fsynced, closed and then
 * renamed over `path` (and the directory fsynced). On any failure the temporary file
 * is removed, the error is rethrown, and a file already at `path` is left untouched.
 *
 * The layout is that of {@link encodeSafetensorsParts}; tensors' data are written one by
 * one, never concatenated in memory.
 *
 * @throws CheckpointError for invalid tensors or metadata (before any file is created);
 *   file-system errors as Node raises them.
 */
export async function writeSafetensorsFile(
  path: string,
  tensors: Record<string, RawTensor> | Map<string, RawTensor>,
  metadata?: Record<string, string>,
  options: WriteSafetensorsOptions = {},
): Promise<void> {
  const parts = encodeSafetensorsParts(tensors, metadata);
  await writeFileAtomic(path, [parts.header, ...parts.chunks], options.writeChunk ? { writeChunk: options.writeChunk } : {});
}
