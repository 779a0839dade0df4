import { ArgumentError, DisposedError, gather, logSoftmax, reshape, tensor, type Tensor } from '@heed/core';
import { disposeCaches, selectCaches, type DecoderLayerCache } from '@heed/layers';
import type { DecodeStartOptions, DecoderSession } from '../generation/session.js';
import { SequenceLengthError } from './errors.js';
import { fitLength } from './sequence.js';
import type { Transformer, TransformerInputs } from './transformer.js';

/**
 * Runs `fn` with `model` in evaluation mode (no dropout), restoring its mode after:
 * decoding is deterministic whatever mode the model was left in.
 */
export function inEvalMode<T>(model: { training: boolean; train(mode: boolean): unknown }, fn: () => T): T {
  const was = model.training;
  if (was) model.train(false);
  try {
    return fn();
  } finally {
    if (was) model.train(true);
  }
}

/** Host int32 row indices as a tensor, checked against the current rows. */
export function rowIndices(indices: Int32Array, rows: number, engine: Tensor['engine'], who: string): Tensor {
  if (indices.length === 0) throw new ArgumentError(`${who}.select: needs at least one row index`);
  indices.forEach((r, i) => {
    if (!(Number.isInteger(r) && r >= 0 && r < rows)) {
      throw new ArgumentError(`${who}.select: index ${r} at position ${i} is outside the ${rows} rows`);
    }
  });
  return tensor(Int32Array.from(indices), [indices.length], 'int32', { engine });
}

/**
 * A decoding run of a `Transformer`: the source is encoded once at start; each `step`
 * embeds one token per row at the next position and runs the decoder over it with the
 * per-layer key/value caches (self-attention appends, cross-attention is computed from
 * the memory on the first step and reused). `select` gathers the memory, its mask and
 * every cache along the batch axis.
 */
export class TransformerSession implements DecoderSession {
  private memory: Tensor;
  private memoryMask: Tensor | undefined;
  private readonly cache: DecoderLayerCache[];
  private position = 0;
  private disposed = false;
  private rowCount: number;
  private readonly limit: number;

  constructor(
    private readonly model: Transformer,
    inputs: TransformerInputs,
    options: DecodeStartOptions = {},
  ) {
    const max = model.config.max_position_embeddings;
    this.limit = Math.min(options.maxLength ?? max, max);
    if (options.maxLength !== undefined && options.maxLength > max) {
      const msg = `Transformer: maxLength ${options.maxLength} is more than max_position_embeddings ${max}`;
      throw new SequenceLengthError(msg, options.maxLength, max);
    }
    const engine = model.engine;
    const { memory, mask } = inEvalMode(model, () =>
      engine.tidy(() => ({
        memory: model.encode(inputs.inputIds, inputs.attentionMask),
        mask: inputs.attentionMask && fitLength('Transformer', 'attentionMask', inputs.attentionMask, max, true),
      })),
    );
    this.memory = engine.keep(memory);
    // A mask that fit is the caller's tensor: hold our own view so disposing theirs is safe.
    this.memoryMask = mask && engine.keep(mask === inputs.attentionMask ? reshape(mask, mask.shape) : mask);
    this.rowCount = inputs.inputIds.shape[0]!;
    this.cache = model.createDecoderCache();
  }

  /** Current number of rows. */
  get rows(): number {
    return this.rowCount;
  }

  /** Target vocabulary size. */
  get vocabSize(): number {
    return this.model.config.tgt_vocab_size;
  }

  /** Positions decoded so far. */
  get length(): number {
    return this.position;
  }

  private check(what: string): void {
    if (this.disposed) throw new DisposedError(`TransformerSession.${what}: the session was disposed`);
  }

  /** Feeds one token per row; returns log-probabilities [rows, tgtVocabSize] for the next. */
  step(tokens: Int32Array): Tensor {
    this.check('step');
    if (tokens.length !== this.rowCount) throw new ArgumentError(`TransformerSession.step: got ${tokens.length} tokens for ${this.rowCount} rows`);
    if (this.position >= this.limit) {
      const msg = `Transformer: decoding position ${this.position + 1} exceeds the session's maxLength ${this.limit}`;
      throw new SequenceLengthError(msg, this.position + 1, this.limit);
    }
    const m = this.model;
    const out = inEvalMode(m, () =>
      m.engine.tidy(() => {
        const ids = tensor(tokens, [this.rowCount, 1], 'int32', { engine: m.engine });
        const h = m.decoder.forward(m.embed('target', ids, this.position), this.memory, {
          ...(this.memoryMask && { memoryKeyMask: this.memoryMask }),
          cache: this.cache,
        });
        return logSoftmax(reshape(m.project(h), [this.rowCount, this.vocabSize]));
      }),
    );
    this.position++;
    return out;
  }

  /** Keeps rows `indices` (new row r = old row indices[r]) of the memory, mask and caches. */
  select(indices: Int32Array): void {
    this.check('select');
    const engine = this.model.engine;
    const idx = rowIndices(indices, this.rowCount, engine, 'TransformerSession');
    try {
      const memory = engine.keep(gather(this.memory, idx, 0));
      this.memory.dispose();
      this.memory = memory;
      if (this.memoryMask) {
        const mask = engine.keep(gather(this.memoryMask, idx, 0));
        this.memoryMask.dispose();
        this.memoryMask = mask;
      }
      selectCaches(this.cache, idx);
    } finally {
      idx.dispose();
    }
    this.rowCount = indices.length;
  }

  /** Frees the memory, mask and caches. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.memory.dispose();
    this.memoryMask?.dispose();
    disposeCaches(this.cache);
  }
}
