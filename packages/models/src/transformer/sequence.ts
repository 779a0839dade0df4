import { DTypeError, ShapeError, concat, full, notEqual, slice, where, type Tensor } from '@heed/core';
import { SequenceLengthError } from './errors.js';

/**
 * Checks a [batch, time, …] tensor against a model's `maxPositions`: longer sequences
 * throw a `SequenceLengthError` naming the model, the input and both lengths, or, with
 * `truncate`, are cut to the first `maxPositions` steps (a new tensor; the caller's is
 * untouched). Returns `t` itself when it fits.
 */
export function fitLength(model: string, what: string, t: Tensor, maxPositions: number, truncate: boolean): Tensor {
  const len = t.shape[1] ?? 0;
  if (len <= maxPositions) return t;
  if (!truncate) {
    throw new SequenceLengthError(
      `${model}: ${what} has ${len} positions, more than max_position_embeddings ${maxPositions} ` +
        '(set "truncation": true in the config to cut inputs)',
      len,
      maxPositions,
    );
  }
  return slice(t, t.shape.map(() => 0), [t.shape[0]!, maxPositions, ...t.shape.slice(2)]);
}

/** Throws a typed error unless `t` is an int32 [batch, time] tensor (and has `batch` rows when given). */
export function expectIds(model: string, what: string, t: Tensor, batch?: number): void {
  if (t.dtype !== 'int32') throw new DTypeError(`${model}: ${what} must be int32 token ids, got ${t.dtype} [${t.shape.join(',')}]`);
  if (t.rank !== 2 || (batch !== undefined && t.shape[0] !== batch)) {
    throw new ShapeError(`${model}: ${what} must be [${batch ?? 'batch'}, time], got [${t.shape.join(',')}]`);
  }
}

/** Throws a typed error unless `mask` is bool with the shape of `ids`. */
export function expectMask(model: string, what: string, mask: Tensor, ids: Tensor): void {
  if (mask.dtype !== 'bool') throw new DTypeError(`${model}: ${what} must be bool (true = real token), got ${mask.dtype}`);
  if (mask.rank !== 2 || mask.shape[0] !== ids.shape[0] || mask.shape[1] !== ids.shape[1]) {
    throw new ShapeError(`${model}: ${what} must be [${ids.shape.join(',')}] like the ids, got [${mask.shape.join(',')}]`);
  }
}

/**
 * Decoder inputs from labels, as Hugging Face's `shift_tokens_right`: [bos, labels[:-1]]
 * with ignored positions (`ignoreIndex`) replaced by `padId`.
 */
export function shiftRight(labels: Tensor, bosId: number, padId: number, ignoreIndex = -100): Tensor {
  const [b, t] = labels.shape as [number, number];
  const start = full([b, 1], bosId, 'int32', { engine: labels.engine });
  const body = slice(labels, [0, 0], [b, Math.max(t - 1, 0)]);
  const shifted = concat([start, body], 1);
  return where(notEqual(shifted, ignoreIndex), shifted, padId);
}
