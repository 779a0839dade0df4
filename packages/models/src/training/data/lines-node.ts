/** Line-oriented files read as a stream, with byte offsets so a reader can stop and later continue exactly where it was (Node). */
import { open } from 'node:fs/promises';
import { ArgumentError } from '@heed/core';

/** One line of a file: its text (UTF-8, without the line break), its byte offset and the offset of the next line. */
export interface FileLine {
  readonly text: string;
  readonly offset: number;
  readonly next: number;
}

/** Options of `readLines`. */
export interface ReadLinesOptions {
  /** Byte offset to start at: 0, or a `next` that an earlier read returned. */
  start?: number;
  /** Bytes read per system call (default 64 KiB). */
  chunkSize?: number;
}

/**
 * Streams the lines of a text file (UTF-8, `\n` or `\r\n` breaks) from a byte offset,
 * holding one chunk plus one line in memory. A final line without a break is yielded too.
 */
export async function* readLines(path: string, options: ReadLinesOptions = {}): AsyncGenerator<FileLine> {
  const start = options.start ?? 0;
  const chunkSize = options.chunkSize ?? 65536;
  if (!(Number.isInteger(start) && start >= 0)) throw new ArgumentError(`readLines: start must be a byte offset >= 0, got ${start}`);
  if (!(Number.isInteger(chunkSize) && chunkSize >= 1)) throw new ArgumentError(`readLines: chunkSize must be a positive integer, got ${chunkSize}`);
  const file = await open(path, 'r');
  const decoder = new TextDecoder('utf-8');
  try {
    const size = (await file.stat()).size;
    if (start > size) throw new ArgumentError(`readLines: start ${start} is past the end of ${path} (${size} bytes)`);
    let carry = new Uint8Array(0); // bytes of the current, unfinished line
    let carryAt = start; // file offset of carry[0]
    let pos = start;
    const buf = new Uint8Array(chunkSize);
    for (;;) {
      const { bytesRead } = await file.read(buf, 0, chunkSize, pos);
      if (bytesRead === 0) break;
      pos += bytesRead;
      const chunk = carry.length > 0 ? concatBytes(carry, buf.subarray(0, bytesRead)) : buf.subarray(0, bytesRead);
      let lineStart = 0;
      for (let i = 0; i < chunk.length; i++) {
        if (chunk[i] !== 10) continue;
        const end = i > lineStart && chunk[i - 1] === 13 ? i - 1 : i;
        yield { text: decoder.decode(chunk.subarray(lineStart, end)), offset: carryAt + lineStart, next: carryAt + i + 1 };
        lineStart = i + 1;
      }
      carry = chunk.slice(lineStart);
      carryAt += lineStart;
    }
    if (carry.length > 0) {
      const end = carry[carry.length - 1] === 13 ? carry.length - 1 : carry.length;
      yield { text: decoder.decode(carry.subarray(0, end)), offset: carryAt, next: carryAt + carry.length };
    }
  } finally {
    await file.close();
  }
}

function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
