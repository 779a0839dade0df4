import { ArgumentError, DisposedError, concat, full, gather, logSoftmax, reshape, tensor, type Tensor } from '@heed/core';
import { disposeCaches, selectCaches, type KVCache } from '@heed/layers';
import type { DecodeStartOptions, DecoderSession } from '../generation/session.js';
import type { TransformerLM } from '../lm/transformer-lm.js';
import { SequenceLengthError } from './errors.js';
import { expectIds, expectMask } from './sequence.js';
import { inEvalMode, rowIndices } from './session.js';

/**
 * Prompts for `TransformerLM.startDecoding`: host token lists (ragged, no padding needed),
 * or padded tensors (ids int32 [batch, S], optional bool mask, left or right padding) on a
 * backend that reads synchronously (the CPU; on WebGPU pass host lists). Every prompt
 * needs at least one token (start it with BOS).
 */
export type TransformerLMPrompts = { prompts: readonly (readonly number[])[] } | { inputIds: Tensor; attentionMask?: Tensor };

/** Padded prompts on the host: ids and mask row-major [rows, cols]. */
interface HostPrompts {
  ids: Int32Array;
  mask: Uint8Array;
  rows: number;
  cols: number;
}

function hostPrompts(inputs: TransformerLMPrompts, pad: number, vocab: number): HostPrompts {
  if ('prompts' in inputs) {
    const rows = inputs.prompts.length;
    const cols = Math.max(0, ...inputs.prompts.map((p) => p.length));
    const ids = new Int32Array(rows * cols).fill(pad);
    const mask = new Uint8Array(rows * cols);
    inputs.prompts.forEach((p, r) =>
      p.forEach((t, j) => {
        if (!(Number.isInteger(t) && t >= 0 && t < vocab)) {
          throw new ArgumentError(`TransformerLM.startDecoding: prompt ${r} has token ${t} at ${j}, outside the vocabulary [0, ${vocab})`);
        }
        ids[r * cols + j] = t;
        mask[r * cols + j] = 1;
      }),
    );
    return { ids, mask, rows, cols };
  }
  const { inputIds, attentionMask } = inputs;
  expectIds('TransformerLM', 'inputIds', inputIds);
  if (attentionMask) expectMask('TransformerLM', 'attentionMask', attentionMask, inputIds);
  const [rows, cols] = inputIds.shape as [number, number];
  if (!inputIds.engine.backend.readSync) {
    const name = inputIds.engine.backend.name;
    throw new ArgumentError(`TransformerLM.startDecoding: backend "${name}" cannot read prompt tensors synchronously; pass { prompts: number[][] }`);
  }
  const ids = Int32Array.from(inputIds.dataSync());
  const real = attentionMask?.dataSync();
  ids.forEach((t, i) => {
    if (!(t >= 0 && t < vocab) && !(real && real[i] === 0)) {
      const at = `[${Math.floor(i / cols)}][${i % cols}]`;
      throw new ArgumentError(`TransformerLM.startDecoding: inputIds${at} = ${t} is outside the vocabulary [0, ${vocab}) (vocab_size)`);
    }
  });
  const mask = real ? Uint8Array.from(real) : new Uint8Array(rows * cols).fill(1);
  mask.forEach((m, i) => {
    if (!m) ids[i] = pad; // whatever padding holds, the embedding lookup sees a valid id
  });
  return { ids, mask, rows, cols };
}

/**
 * A decoding run of a `TransformerLM`. At start, every prompt is consumed up to its last
 * token in one pass that fills each block's key/value cache; the last tokens are the
 * session's `startTokens`, which generation feeds at the first `step`, so the first
 * output is the distribution of the token after each prompt. Each `step` feeds one token
 * per row at the row's next position.
 *
 * Padding (of the tensors given, or of ragged host prompts, and the column a right-padded
 * row's last token leaves) stays in the cache hidden by the key mask, and each row's
 * positions count only its real tokens, so a padded prompt decodes exactly as the
 * unpadded one. Runs in evaluation mode whatever the model's mode.
 */
export class TransformerLMSession implements DecoderSession {
  /** The last token of each prompt, fed at the first step. */
  readonly startTokens: Int32Array;
  private readonly cache: KVCache[];
  private keyMask: Tensor | undefined;
  private nextPos: Int32Array;
  private rowCount: number;
  private disposed = false;
  private readonly limit: number;

  constructor(
    private readonly model: TransformerLM,
    inputs: TransformerLMPrompts,
    options: DecodeStartOptions = {},
  ) {
    const c = model.config;
    const { ids, mask, rows, cols } = hostPrompts(inputs, c.pad_token_id, c.vocab_size);
    this.startTokens = new Int32Array(rows);
    this.nextPos = new Int32Array(rows);
    const positions = new Int32Array(rows * cols);
    let rightPadded = false;
    let longest = 0;
    for (let r = 0; r < rows; r++) {
      let last = -1;
      for (let j = 0; j < cols; j++) if (mask[r * cols + j]) last = j;
      if (last < 0) throw new ArgumentError(`TransformerLM.startDecoding: prompt ${r} has no tokens (start it with BOS)`);
      if (last < cols - 1) rightPadded = true;
      this.startTokens[r] = ids[r * cols + last]!;
      mask[r * cols + last] = 0;
      let count = 0;
      for (let j = 0; j < cols; j++) {
        positions[r * cols + j] = Math.max(count - (mask[r * cols + j] ? 0 : 1), 0);
        if (mask[r * cols + j]) count++;
      }
      this.nextPos[r] = count;
      longest = Math.max(longest, count + 1);
    }
    const max = c.max_position_embeddings;
    const steps = options.maxLength ?? 1;
    if (longest - 1 + steps > max) {
      throw new SequenceLengthError(
        `TransformerLM: a prompt of ${longest} tokens and maxLength ${steps} need ${longest - 1 + steps} positions, ` +
          `more than max_position_embeddings ${max}`,
        longest - 1 + steps,
        max,
      );
    }
    this.limit = max;
    this.rowCount = rows;
    this.cache = model.blocks.createCache();
    // Without right padding the last column holds only last tokens: leave it out of the cache.
    const kept = rightPadded ? cols : cols - 1;
    if (kept > 0) this.consume(ids, mask, positions, cols, kept);
  }

  /** Runs the first `kept` prompt columns through the blocks, filling the caches. */
  private consume(ids: Int32Array, mask: Uint8Array, positions: Int32Array, cols: number, kept: number): void {
    const m = this.model;
    const e = m.engine;
    const r = this.rowCount;
    const take = <A extends Int32Array | Uint8Array>(a: A): A => {
      const out = new (a.constructor as new (n: number) => A)(r * kept);
      for (let i = 0; i < r; i++) out.set(a.subarray(i * cols, i * cols + kept), i * kept);
      return out;
    };
    const keptMask = take(mask);
    const padded = keptMask.some((v) => v === 0);
    const maskT = inEvalMode(m, () =>
      e.tidy(() => {
        const ids2 = tensor(take(ids), [r, kept], 'int32', { engine: e });
        const pos = tensor(take(positions), [r, kept], 'int32', { engine: e });
        const km = padded ? tensor(keptMask, [r, kept], 'bool', { engine: e }) : undefined;
        m.blocks.forward(m.embed(ids2, pos), { causal: true, ...(km && { keyMask: km }), cache: this.cache });
        return km;
      }),
    );
    this.keyMask = maskT && e.keep(maskT);
  }

  /** Current number of rows. */
  get rows(): number {
    return this.rowCount;
  }

  /** Vocabulary size. */
  get vocabSize(): number {
    return this.model.config.vocab_size;
  }

  /** Columns held in the caches (prompt columns, padding included, plus fed tokens). */
  get length(): number {
    return this.cache[0]?.length ?? 0;
  }

  private check(what: string): void {
    if (this.disposed) throw new DisposedError(`TransformerLMSession.${what}: the session was disposed`);
  }

  /** Feeds one token per row at its next position; returns log-probabilities [rows, vocab] of the token after it. */
  step(tokens: Int32Array): Tensor {
    this.check('step');
    const r = this.rowCount;
    if (tokens.length !== r) throw new ArgumentError(`TransformerLMSession.step: got ${tokens.length} tokens for ${r} rows`);
    const furthest = Math.max(...this.nextPos);
    if (furthest >= this.limit) {
      const msg = `TransformerLM: position ${furthest + 1} exceeds max_position_embeddings ${this.limit}`;
      throw new SequenceLengthError(msg, furthest + 1, this.limit);
    }
    const m = this.model;
    const e = m.engine;
    const out = inEvalMode(m, () =>
      e.tidy(() => {
        const ids = tensor(tokens, [r, 1], 'int32', { engine: e });
        const pos = tensor(this.nextPos, [r, 1], 'int32', { engine: e });
        const mask = this.keyMask ? concat([this.keyMask, full([r, 1], 1, 'bool', { engine: e })], 1) : undefined;
        const h = m.blocks.forward(m.embed(ids, pos), { causal: true, ...(mask && { keyMask: mask }), cache: this.cache });
        return { logp: logSoftmax(reshape(m.project(h), [r, this.vocabSize])), mask };
      }),
    );
    if (out.mask) {
      this.keyMask?.dispose();
      this.keyMask = e.keep(out.mask);
    }
    this.nextPos = this.nextPos.map((p) => p + 1);
    return out.logp;
  }

  /** Keeps rows `indices` (new row r = old row indices[r]) of the caches, key mask and positions. */
  select(indices: Int32Array): void {
    this.check('select');
    const e = this.model.engine;
    const idx = rowIndices(indices, this.rowCount, e, 'TransformerLMSession');
    try {
      if (this.keyMask) {
        const k = e.keep(gather(this.keyMask, idx, 0));
        this.keyMask.dispose();
        this.keyMask = k;
      }
      selectCaches(this.cache, idx);
    } finally {
      idx.dispose();
    }
    this.nextPos = Int32Array.from(indices, (i) => this.nextPos[i]!);
    this.rowCount = indices.length;
  }

  /** Frees the caches and the key mask. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.keyMask?.dispose();
    disposeCaches(this.cache);
  }
}
