/** Atomic file writes (Node): a temporary file in the same folder, fsynced, then renamed. */
import { randomBytes } from 'node:crypto';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Options of {@link writeFileAtomic}. */
export interface WriteFileAtomicOptions {
  /** Writes one chunk to the open temporary file (tests replace it to simulate a failure mid-write). */
  writeChunk?: (file: FileHandle, chunk: Uint8Array) => Promise<void>;
}

async function writeAll(file: FileHandle, chunk: Uint8Array): Promise<void> {
  let done = 0;
  while (done < chunk.byteLength) {
    const { bytesWritten } = await file.write(chunk, done, chunk.byteLength - done);
    done += bytesWritten;
  }
}

/** Best-effort fsync of a directory, so a rename in it is durable (not possible on Windows). */
async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Directories cannot be opened or synced on some platforms; the rename still happened.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/**
 * Writes `chunks` (bytes or UTF-8 text) to `path` atomically: they go to
 * `<path>.tmp-<random hex>` in the same directory, which is fsynced, closed and renamed
 * over `path` (and the directory fsynced). On any failure the temporary file is removed,
 * the error is rethrown, and a file already at `path` is left untouched.
 */
export async function writeFileAtomic(path: string, chunks: readonly (Uint8Array | string)[] | Uint8Array | string, options: WriteFileAtomicOptions = {}): Promise<void> {
  const list = typeof chunks === 'string' || chunks instanceof Uint8Array ? [chunks] : chunks;
  const writeChunk = options.writeChunk ?? writeAll;
  const tmp = `${path}.tmp-${randomBytes(8).toString('hex')}`;
  let file: FileHandle | undefined;
  let created = false;
  try {
    file = await open(tmp, 'wx');
    created = true;
    for (const chunk of list) await writeChunk(file, typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk);
    await file.sync();
    await file.close();
    file = undefined;
    await rename(tmp, path);
    created = false;
  } catch (e) {
    await file?.close().catch(() => undefined);
    if (created) await unlink(tmp).catch(() => undefined);
    throw e;
  }
  await syncDirectory(dirname(path));
}
