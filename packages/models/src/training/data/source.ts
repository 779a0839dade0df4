/**
 * The contract between training data and the Trainer: epochs of host batches, each batch
 * paired with a cursor (JSON) from which the same epoch can be continued, so checkpoints
 * record the data position and `resume` replays nothing and skips nothing.
 */
import { ArgumentError, Rng } from '@heed/core';
import type { HostBatch } from '../host-batch.js';

/** A position inside one epoch of a source: plain JSON numbers, meaningful only to that source. */
export type DataCursor = { readonly [key: string]: number };

/** A batch and the cursor just after it. */
export interface PositionedBatch {
  readonly batch: HostBatch;
  /** Where to continue the epoch after this batch. */
  readonly cursor: DataCursor;
}

/** Training data: a source of epochs of host batches. */
export interface BatchSource {
  /**
   * The batches of epoch `epoch` (0-based), from `from` (a cursor this source yielded for
   * that epoch) or from the start. The order must depend only on the source's own settings
   * (its seed) and `epoch`, so that a resumed run sees the batches an uninterrupted run would.
   */
  batches(epoch: number, from?: DataCursor): AsyncIterable<PositionedBatch> | Iterable<PositionedBatch>;
  /** Batches per epoch, when known without reading the data (used for ETAs). */
  readonly batchesPerEpoch?: number;
}

/** A generator seed for (seed, epoch, part): each epoch (and each pool of a streamed epoch) gets its own order. */
export function epochSeed(seed: number, epoch: number, part = 0): number {
  let h = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (epoch >>> 0) ^ (h >>> 15), 0xc2b2ae35) >>> 0;
  h = Math.imul(h ^ (part >>> 0) ^ (h >>> 13), 0x27d4eb2f) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** The cursor field `key` as a count, or `fallback` when absent; anything else is an `ArgumentError` naming the source. */
export function cursorCount(source: string, from: DataCursor | undefined, key: string, fallback = 0): number {
  const v = from?.[key];
  if (v === undefined) return fallback;
  if (!(Number.isInteger(v) && v >= 0)) throw new ArgumentError(`${source}: cursor.${key} must be a count, got ${JSON.stringify(v)}`);
  return v;
}

/**
 * A fixed list of host batches as a source, optionally reshuffled every epoch (seeded).
 * Cursor: `{ batch }`, the number of batches of the epoch already yielded.
 */
export class ListSource implements BatchSource {
  constructor(
    readonly list: readonly HostBatch[],
    readonly options: { shuffle?: boolean; seed?: number } = {},
  ) {}

  get batchesPerEpoch(): number {
    return this.list.length;
  }

  *batches(epoch: number, from?: DataCursor): Iterable<PositionedBatch> {
    const order = this.list.map((_, i) => i);
    if (this.options.shuffle) shuffleInPlace(order, epochSeed(this.options.seed ?? 0, epoch));
    for (let k = cursorCount('ListSource', from, 'batch'); k < order.length; k++) yield { batch: this.list[order[k]!]!, cursor: { batch: k + 1 } };
  }
}

/** Fisher–Yates with a fresh generator seeded by `seed`. */
export function shuffleInPlace<T>(items: T[], seed: number): T[] {
  return new Rng(seed).shuffle(items);
}
