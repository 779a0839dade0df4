import { ArgumentError, DTypeError, getEngine, ShapeError, type Engine } from '@heed/core';
import type { DecoderSession, Generative } from './session.js';

/**
 * Drives a `DecoderSession` for the generation functions: every `step` and `select` runs in
 * the model engine's `tidy`, the log-probabilities are read to the host once per step
 * and checked for shape, and the session is disposed when decoding ends.
 */
export class SessionDriver {
  /** The engine whose `tidy` wraps each call. */
  readonly engine: Engine;
  /** Vocabulary size, fixed for the run. */
  readonly vocabSize: number;

  constructor(
    /** The function name used in error messages. */
    readonly fn: string,
    /** The driven session. */
    readonly session: DecoderSession,
    /** The engine whose `tidy` wraps each call (the model's). */
    engine: Engine,
  ) {
    this.engine = engine;
    this.vocabSize = session.vocabSize;
    if (!Number.isInteger(this.vocabSize) || this.vocabSize < 1) {
      throw new ArgumentError(`${fn}: the decoder session reports vocabSize ${this.vocabSize}; expected an integer ≥ 1`);
    }
  }

  /** Current rows of the session. */
  get rows(): number {
    return this.session.rows;
  }

  /** The tokens of the first step: the session's `startTokens`, or `bos` for every row. */
  startTokens(bos: number): Int32Array {
    const start = this.session.startTokens;
    if (start === undefined) return new Int32Array(this.rows).fill(bos);
    if (start.length !== this.rows) {
      throw new ShapeError(`${this.fn}: the decoder session has ${this.rows} rows but ${start.length} startTokens`);
    }
    return Int32Array.from(start);
  }

  /** Feeds one token per row and returns the log-probabilities, row-major [rows, vocabSize], on the host. */
  async step(tokens: Int32Array): Promise<Float32Array> {
    const rows = this.rows;
    if (tokens.length !== rows) throw new ShapeError(`${this.fn}: ${tokens.length} tokens for ${rows} session rows`);
    const logProbs = this.engine.tidy(() => this.session.step(tokens));
    try {
      const shape = logProbs.shape;
      if (shape.length !== 2 || shape[0] !== rows || shape[1] !== this.vocabSize) {
        throw new ShapeError(
          `${this.fn}: DecoderSession.step returned shape [${shape.join(', ')}]; expected [rows, vocabSize] = [${rows}, ${this.vocabSize}]`,
        );
      }
      if (logProbs.dtype !== 'float32') {
        throw new DTypeError(`${this.fn}: DecoderSession.step returned ${logProbs.dtype} log-probabilities; expected float32`);
      }
      return (await logProbs.data()) as Float32Array;
    } finally {
      logProbs.dispose();
    }
  }

  /** Keeps rows `indices` (new row r = old row indices[r]); skipped when it is the identity. */
  select(indices: Int32Array): void {
    const rows = this.rows;
    if (indices.length === rows && indices.every((v, i) => v === i)) return;
    this.engine.tidy(() => this.session.select(indices));
    if (this.rows !== indices.length) {
      throw new ShapeError(`${this.fn}: DecoderSession.select kept ${this.rows} rows; expected ${indices.length}`);
    }
  }
}

/**
 * Opens a session of `model` on `inputs` for `maxLength` steps (in the model engine's
 * `tidy`, so encoder intermediates are freed), runs `body` on its driver,
 * and disposes the session whatever happens.
 */
export async function withSession<I, T>(
  fn: string,
  model: Generative<I>,
  inputs: I,
  maxLength: number,
  body: (driver: SessionDriver) => Promise<T>,
): Promise<T> {
  const engine = model.engine ?? getEngine();
  const session = engine.tidy(() => model.startDecoding(inputs, { maxLength }));
  try {
    return await body(new SessionDriver(fn, session, engine));
  } finally {
    session.dispose();
  }
}
