import { ArgumentError } from '@heed/core';
import type { HostBatch } from '../host-batch.js';
import { bucketBatches, checkBucketOptions, type BucketOptions } from './bucketing.js';
import { cursorCount, epochSeed, type BatchSource, type DataCursor, type PositionedBatch } from './source.js';

/** Options of `BucketedData` and `StreamingData`: how to batch, measure and collate examples. */
export interface BatchingOptions<E> extends BucketOptions {
  /** An example's length in tokens (for seq2seq, e.g. the longer of source and target). */
  length: (example: E) => number;
  /** Makes a host batch of examples (padding, masks, labels); see `seq2seqCollate`. */
  collate: (examples: readonly E[]) => HostBatch;
  /** Seed of the shuffles (default 0); epoch e uses its own order derived from it. */
  seed?: number;
}

/**
 * In-memory examples, bucketed by length under a token budget and reshuffled every epoch
 * (seeded). Each epoch yields every example exactly once. Cursor: `{ batch }`, the number
 * of batches of the epoch already yielded.
 */
export class BucketedData<E> implements BatchSource {
  private readonly lengths: number[];
  private cached: { epoch: number; plan: number[][] } | undefined;

  constructor(
    readonly examples: readonly E[],
    readonly options: BatchingOptions<E>,
  ) {
    checkBucketOptions('BucketedData', options);
    if (typeof options.collate !== 'function' || typeof options.length !== 'function') {
      throw new ArgumentError('BucketedData: options.collate and options.length must be functions');
    }
    this.lengths = examples.map((e) => options.length(e));
  }

  /** The batches (example indices) of `epoch`. */
  plan(epoch: number): number[][] {
    if (this.cached?.epoch !== epoch) {
      this.cached = { epoch, plan: bucketBatches(this.lengths, this.options, epochSeed(this.options.seed ?? 0, epoch)) };
    }
    return this.cached.plan;
  }

  /** The same in every epoch: batch boundaries depend only on the sorted lengths. */
  get batchesPerEpoch(): number {
    return this.plan(0).length;
  }

  *batches(epoch: number, from?: DataCursor): Iterable<PositionedBatch> {
    const plan = this.plan(epoch);
    for (let k = cursorCount('BucketedData', from, 'batch'); k < plan.length; k++) {
      yield { batch: this.options.collate(plan[k]!.map((i) => this.examples[i]!)), cursor: { batch: k + 1 } };
    }
  }
}
