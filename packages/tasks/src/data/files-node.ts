/**
 * Node file readers for the data parsers: files are streamed line by line, and gzip files
 * (recognised by their magic bytes, whatever their name) are decompressed on the way.
 */
import { createReadStream } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip, gunzipSync } from 'node:zlib';
import { DataFormatError } from '../errors.js';
import { parseConll, type ConllOptions, type ConllSentence } from './conll.js';
import { glueExamples, parseGlueTsv, type GlueExample, type GlueRow } from './glue.js';
import { parseSquad, type SquadDataset } from './squad.js';
import { parseSentencePairs, type SentencePair } from './translation.js';

async function isGzip(path: string): Promise<boolean> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw new DataFormatError(path, 0, `cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    const b = Buffer.alloc(2);
    const { bytesRead } = await fh.read(b, 0, 2, 0);
    return bytesRead === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

/** Streams the lines of a text file (UTF-8, `\n` or `\r\n`; gzip-compressed files too). */
export async function* readLines(path: string): AsyncGenerator<string> {
  const gz = await isGzip(path);
  let stream: Readable = createReadStream(path);
  if (gz) {
    const gunzip = createGunzip();
    stream.on('error', (e) => gunzip.destroy(e));
    stream = stream.pipe(gunzip);
  }
  stream.setEncoding('utf8');
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  try {
    for await (const line of rl) yield line;
  } catch (e) {
    throw new DataFormatError(path, 0, `cannot read the file${gz ? ' (gzip)' : ''}: ${(e as Error).message}`);
  } finally {
    rl.close();
    stream.destroy();
  }
}

/** Reads a whole text file (gunzipping it when it is gzip), with a typed error when it cannot be read. */
export async function readText(path: string): Promise<string> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (e) {
    throw new DataFormatError(path, 0, `cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = gunzipSync(buf);
    } catch (e) {
      throw new DataFormatError(path, 0, `not a valid gzip file: ${(e as Error).message}`);
    }
  }
  return buf.toString('utf8');
}

/** Streams a manythings sentence-pair file such as `fra-eng/fra.txt.gz` (see `parseSentencePairs`). */
export function readSentencePairs(path: string): AsyncGenerator<SentencePair> {
  return parseSentencePairs(readLines(path), path);
}

/** Streams the sentences of a CoNLL-2003 or WNUT-17 file (see `parseConll`). */
export function readConll(path: string, options: ConllOptions = {}): AsyncGenerator<ConllSentence> {
  return parseConll(readLines(path), path, options);
}

/** Streams the rows of a GLUE TSV file (see `parseGlueTsv`). */
export function readGlueTsv(path: string, required: readonly string[] = []): AsyncGenerator<GlueRow> {
  return parseGlueTsv(readLines(path), path, required);
}

/** Streams a GLUE TSV as classification examples (`sentence`/`sentence1`, `sentence2`, `label`). */
export function readGlueExamples(path: string): AsyncGenerator<GlueExample> {
  return glueExamples(parseGlueTsv(readLines(path), path), path);
}

/** Reads a SQuAD v1.1 JSON file (see `parseSquad`). */
export async function readSquad(path: string): Promise<SquadDataset> {
  return parseSquad(await readText(path), path);
}
