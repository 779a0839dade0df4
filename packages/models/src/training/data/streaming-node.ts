import { ArgumentError } from '@heed/core';
import { bucketBatches, checkBucketOptions } from './bucketing.js';
import type { BatchingOptions } from './bucketed-data.js';
import { readLines } from './lines-node.js';
import { cursorCount, epochSeed, type BatchSource, type DataCursor, type PositionedBatch } from './source.js';

/** Options of `StreamingData`. */
export interface StreamingOptions<E> extends BatchingOptions<E> {
  /** Parses one line (e.g. a TSV row) into an example, or returns undefined to skip it (headers, blank lines). */
  parse: (line: string, lineNumber: number) => E | undefined;
  /** Examples read, bucketed and shuffled together (default 10,000): the memory bound and the reach of the shuffle. */
  poolSize?: number;
}

/**
 * Training data streamed from a line-oriented file (e.g. TSV) instead of loaded whole: the
 * file is read a pool of `poolSize` examples at a time, each pool is bucketed by length
 * under the token budget and its batches shuffled (seeded by seed, epoch and pool), and
 * pools follow file order. Cursor: `{ offset, line, pool, batch }`, the pool's byte offset and
 * first line number, its index, and the batches of it already yielded; resuming re-reads
 * that one pool and skips what was yielded. Each epoch yields every parsed example once.
 */
export class StreamingData<E> implements BatchSource {
  readonly poolSize: number;

  constructor(
    readonly path: string,
    readonly options: StreamingOptions<E>,
  ) {
    checkBucketOptions('StreamingData', options);
    this.poolSize = options.poolSize ?? 10000;
    if (!(Number.isInteger(this.poolSize) && this.poolSize >= 1)) {
      throw new ArgumentError(`StreamingData: poolSize must be a positive integer, got ${options.poolSize}`);
    }
    for (const f of ['parse', 'collate', 'length'] as const) {
      if (typeof options[f] !== 'function') throw new ArgumentError(`StreamingData: options.${f} must be a function`);
    }
  }

  /** Reads up to `poolSize` examples from byte `offset`; returns them and where the next pool starts. */
  private async pool(offset: number, line: number): Promise<{ examples: E[]; next: number; nextLine: number }> {
    const examples: E[] = [];
    let next = offset;
    let nextLine = line;
    for await (const l of readLines(this.path, { start: offset })) {
      const e = this.options.parse(l.text, nextLine);
      next = l.next;
      nextLine++;
      if (e !== undefined) examples.push(e);
      if (examples.length === this.poolSize) break;
    }
    return { examples, next, nextLine };
  }

  async *batches(epoch: number, from?: DataCursor): AsyncIterable<PositionedBatch> {
    let offset = cursorCount('StreamingData', from, 'offset');
    let line = cursorCount('StreamingData', from, 'line');
    let index = cursorCount('StreamingData', from, 'pool');
    let skip = cursorCount('StreamingData', from, 'batch');
    for (;;) {
      const { examples, next, nextLine } = await this.pool(offset, line);
      if (examples.length === 0) return;
      const plan = bucketBatches(examples.map((e) => this.options.length(e)), this.options, epochSeed(this.options.seed ?? 0, epoch, index));
      for (let k = skip; k < plan.length; k++) {
        const last = k === plan.length - 1;
        const cursor = last ? { offset: next, line: nextLine, pool: index + 1, batch: 0 } : { offset, line, pool: index, batch: k + 1 };
        yield { batch: this.options.collate(plan[k]!.map((i) => examples[i]!)), cursor };
      }
      [offset, line, index, skip] = [next, nextLine, index + 1, 0];
    }
  }
}
