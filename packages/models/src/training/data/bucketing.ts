/**
 * Length bucketing with a token budget: examples of similar length are batched together so
 * that little of a batch is padding, and each batch holds at most `tokenBudget` padded
 * tokens (examples × longest length), the way fairseq and tensor2tensor batch by tokens.
 */
import { ArgumentError } from '@heed/core';
import { shuffleInPlace } from './source.js';

/** How to cut examples into batches. */
export interface BucketOptions {
  /** Most padded tokens per batch: examples × the batch's longest length. */
  tokenBudget?: number;
  /** Most examples per batch. At least one of `tokenBudget` and `batchSize` is required. */
  batchSize?: number;
  /** Shuffle (seeded) which examples of equal length go together and the order of the batches (default true). */
  shuffle?: boolean;
}

/** Checks bucketing options, naming `who` in the error. */
export function checkBucketOptions(who: string, options: BucketOptions): void {
  const { tokenBudget, batchSize } = options;
  if (tokenBudget === undefined && batchSize === undefined) throw new ArgumentError(`${who}: give tokenBudget, batchSize or both`);
  if (tokenBudget !== undefined && !(Number.isInteger(tokenBudget) && tokenBudget >= 1)) {
    throw new ArgumentError(`${who}: tokenBudget must be a positive integer, got ${tokenBudget}`);
  }
  if (batchSize !== undefined && !(Number.isInteger(batchSize) && batchSize >= 1)) {
    throw new ArgumentError(`${who}: batchSize must be a positive integer, got ${batchSize}`);
  }
}

/**
 * Cuts examples, given by their lengths, into batches of example indices: a seeded shuffle,
 * a stable sort by length, then greedy filling while (count + 1) × longest ≤ tokenBudget and
 * count < batchSize, then a seeded shuffle of the batch order. Every example is in exactly
 * one batch. An example longer than the budget alone throws `ArgumentError` naming it.
 */
export function bucketBatches(lengths: readonly number[], options: BucketOptions, seed: number): number[][] {
  checkBucketOptions('bucketBatches', options);
  const budget = options.tokenBudget ?? Infinity;
  const most = options.batchSize ?? Infinity;
  const shuffle = options.shuffle ?? true;
  lengths.forEach((len, i) => {
    if (!(Number.isInteger(len) && len >= 0)) {
      throw new ArgumentError(`bucketBatches: example ${i} has length ${len}, expected a non-negative integer`);
    }
    if (len > budget) throw new ArgumentError(`bucketBatches: example ${i} has ${len} tokens, more than the token budget of ${budget} per batch`);
  });
  const order = lengths.map((_, i) => i);
  if (shuffle) shuffleInPlace(order, seed);
  order.sort((a, b) => lengths[a]! - lengths[b]!); // stable: equal lengths keep the shuffled order
  const batches: number[][] = [];
  let current: number[] = [];
  let longest = 0;
  for (const i of order) {
    const len = Math.max(lengths[i]!, 1);
    const next = Math.max(longest, len);
    if (current.length > 0 && ((current.length + 1) * next > budget || current.length + 1 > most)) {
      batches.push(current);
      current = [];
      longest = 0;
    }
    current.push(i);
    longest = Math.max(longest, len);
  }
  if (current.length > 0) batches.push(current);
  if (shuffle) shuffleInPlace(batches, seed ^ 0x5bd1e995);
  return batches;
}
