/**
 * Batch checks and the sequence loss shared by the recurrent models: typed errors that
 * name the input and the field, labels shifted into decoder inputs (Hugging Face's
 * `shift_tokens_right`), and cross-entropy averaged over the labels that are not -100.
 */
import {
  ArgumentError,
  DTypeError,
  ShapeError,
  concat,
  crossEntropy,
  full,
  notEqual,
  slice,
  where,
  type Tensor,
} from '@heed/core';

/** The label value that is left out of the loss (Hugging Face's). */
export const IGNORE_INDEX = -100;

const shapeOf = (t: Tensor): string => `${t.dtype} [${t.shape.join(',')}]`;

/** Checks an int32 [batch, time] id tensor (`rows` fixes the batch size when given). */
export function checkIds(model: string, name: string, t: Tensor | undefined, rows?: number): Tensor {
  if (!t) throw new ArgumentError(`${model}: the batch has no ${name}`);
  if (t.dtype !== 'int32') throw new DTypeError(`${model}: ${name} must be int32 token ids, got ${shapeOf(t)}`);
  if (t.rank !== 2) throw new ShapeError(`${model}: ${name} must be [batch, time], got ${shapeOf(t)}`);
  if (rows !== undefined && t.shape[0] !== rows) throw new ShapeError(`${model}: ${name} has ${t.shape[0]} rows, the batch has ${rows}`);
  return t;
}

/**
 * Checks that every id of `t` lies in [0, vocabSize) (and is -100 where `allowIgnore`),
 * naming the input, the first bad id and its position. Runs on backends that read
 * synchronously (CPU); elsewhere the check is skipped (a WebGPU gather gives zeros).
 */
export function checkIdRange(model: string, name: string, t: Tensor, vocabSize: number, vocabField: string, allowIgnore = false): void {
  if (!t.engine.backend.readSync) return;
  const data = t.dataSync();
  const cols = t.shape[1] ?? 1;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if ((v < 0 || v >= vocabSize) && !(allowIgnore && v === IGNORE_INDEX)) {
      throw new ArgumentError(
        `${model}: ${name}[${Math.floor(i / cols)}][${i % cols}] = ${v} is outside [0, ${vocabSize}) (${vocabField})` +
          (allowIgnore ? ' and is not -100' : ''),
      );
    }
  }
}

/** Checks a padding mask: bool [rows, time] (true = real token) matching `ids`. */
export function checkMask(model: string, name: string, mask: Tensor | undefined, ids: Tensor): Tensor | undefined {
  if (!mask) return undefined;
  if (mask.dtype !== 'bool') throw new DTypeError(`${model}: ${name} must be bool (true = real token), got ${shapeOf(mask)}`);
  if (mask.rank !== 2 || mask.shape[0] !== ids.shape[0] || mask.shape[1] !== ids.shape[1]) {
    throw new ShapeError(`${model}: ${name} ${shapeOf(mask)} must have the shape of the ids [${ids.shape.join(',')}]`);
  }
  return mask;
}

/**
 * Decoder inputs from labels: [bos, labels[:-1]] with -100 replaced by `padTokenId`
 * (teacher forcing; Hugging Face's `shift_tokens_right`).
 */
export function shiftRight(labels: Tensor, bosTokenId: number, padTokenId: number): Tensor {
  const [b, T] = labels.shape as [number, number];
  const start = full([b, 1], bosTokenId, 'int32', { engine: labels.engine });
  if (T <= 1) return T === 1 ? start : slice(start, [0, 0], [b, 0]);
  const clean = where(notEqual(labels, IGNORE_INDEX), labels, padTokenId);
  return concat([start, slice(clean, [0, 0], [b, T - 1])], 1);
}

/**
 * Cross-entropy of `logits` [..., V] against `labels` [...], averaged over the labels
 * that are not -100 (0 when every label is ignored), with label smoothing ε: core's
 * `crossEntropy` with its ignore index.
 */
export function sequenceLoss(logits: Tensor, labels: Tensor, labelSmoothing = 0): Tensor {
  return crossEntropy(logits, labels, { ignoreIndex: IGNORE_INDEX, labelSmoothing });
}
