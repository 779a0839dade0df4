/**
 * Tiny `Generative` models for the generation tests (not a test file itself):
 *
 * - `HashLM`: log-probabilities are a pseudo-random function of (sentence seed, whole
 *   prefix), so the output space up to a small length can be enumerated exactly, and
 *   `logProbs(seed, prefix)` gives the same float32 numbers the session returns;
 * - `TableLM`: fixed log-probabilities conditioned on the last token (sampling tests);
 * - `TinyRnn`: a real tensor model (embedding, tanh recurrence, output layer, logSoftmax)
 *   whose state lives on the engine, for the memory checks.
 */
import { gather, keep, logSoftmax, matmul, add, tanh, tensor, randomNormal, Rng, type Engine, type Tensor } from '@heed/core';
import type { DecoderSession, DecodeStartOptions, Generative, Hypothesis } from '../src/index.js';

/** Counts what a session was asked to do. */
export interface SessionLog {
  /** Rows fed at each step. */
  stepRows: number[];
  /** Every `select` call's indices. */
  selects: number[][];
  /** Sessions opened and disposed. */
  opened: number;
  disposed: number;
}

function newLog(): SessionLog {
  return { stepRows: [], selects: [], opened: 0, disposed: 0 };
}

/** A 32-bit mix of a number sequence (FNV-1a then a finaliser). */
function hash(values: readonly number[]): number {
  let h = 0x811c9dc5;
  for (const v of values) {
    h ^= v + 0x9e37;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d) >>> 0;
  return (h ^ (h >>> 12)) >>> 0;
}

/** Options of `HashLM`. */
export interface HashLMOptions {
  /** Vocabulary size (ids 0..V-1). */
  vocab: number;
  bos?: number;
  eos?: number;
  /** Added to EOS's logit: > 0 ends hypotheses early. */
  eosBias?: number;
  /** Standard deviation of the random logits. */
  spread?: number;
  /** Per-row start tokens (`DecoderSession.startTokens`), as a language model's last prompt token. */
  startTokens?: (seed: number) => number;
}

/** A model whose log-probabilities depend on (seed, fed tokens) through a hash. Inputs: one seed per sentence. */
export class HashLM implements Generative<number[]> {
  readonly bosTokenId: number;
  readonly eosTokenId: number;
  readonly padTokenId = -1;
  readonly log = newLog();
  lastMaxLength: number | undefined;

  constructor(
    readonly engine: Engine,
    readonly options: HashLMOptions,
  ) {
    this.bosTokenId = options.bos ?? 0;
    this.eosTokenId = options.eos ?? 1;
  }

  /** The log-probabilities after feeding `fed` (start token first) in sentence `seed`, as float32 values. */
  logProbs(seed: number, fed: readonly number[]): Float32Array {
    const V = this.options.vocab;
    const rng = new Rng(hash([seed, ...fed]));
    const logits = Array.from({ length: V }, () => rng.normal(0, this.options.spread ?? 1.5));
    logits[this.eosTokenId] += this.options.eosBias ?? 0;
    const max = Math.max(...logits);
    const lse = max + Math.log(logits.reduce((s, x) => s + Math.exp(x - max), 0));
    return Float32Array.from(logits, (x) => x - lse);
  }

  startTokenOf(seed: number): number {
    return this.options.startTokens ? this.options.startTokens(seed) : this.bosTokenId;
  }

  startDecoding(seeds: number[], options: DecodeStartOptions = {}): DecoderSession {
    this.lastMaxLength = options.maxLength;
    this.log.opened++;
    const model = this;
    let rows: { seed: number; fed: number[] }[] = seeds.map((seed) => ({ seed, fed: [] }));
    let disposed = false;
    return {
      get rows() {
        return rows.length;
      },
      vocabSize: this.options.vocab,
      startTokens: this.options.startTokens ? Int32Array.from(seeds, (s) => this.startTokenOf(s)) : undefined,
      step(tokens: Int32Array): Tensor {
        if (disposed) throw new Error('step after dispose');
        model.log.stepRows.push(rows.length);
        const V = model.options.vocab;
        const out = new Float32Array(rows.length * V);
        rows.forEach((row, r) => {
          row.fed.push(tokens[r]!);
          out.set(model.logProbs(row.seed, row.fed), r * V);
        });
        return tensor(out, [rows.length, V], 'float32', { engine: model.engine });
      },
      select(indices: Int32Array): void {
        model.log.selects.push([...indices]);
        rows = [...indices].map((i) => ({ seed: rows[i]!.seed, fed: [...rows[i]!.fed] }));
      },
      dispose(): void {
        if (!disposed) model.log.disposed++;
        disposed = true;
      },
    };
  }
}

/**
 * A Markov model: `table[prev]` is the log-probability row after token `prev` (row-major
 * [V, V]); every sentence starts from BOS. Inputs: the number of sentences.
 */
export class TableLM implements Generative<number> {
  readonly bosTokenId = 0;
  readonly eosTokenId: number;
  readonly padTokenId = -1;

  constructor(
    readonly engine: Engine,
    readonly table: Float32Array,
    readonly vocab: number,
    eos = 1,
  ) {
    this.eosTokenId = eos;
  }

  startDecoding(sentences: number): DecoderSession {
    const { table, vocab: V, engine } = this;
    let rows = sentences;
    return {
      get rows() {
        return rows;
      },
      vocabSize: V,
      step(tokens: Int32Array): Tensor {
        const out = new Float32Array(rows * V);
        for (let r = 0; r < rows; r++) out.set(table.subarray(tokens[r]! * V, tokens[r]! * V + V), r * V);
        return tensor(out, [rows, V], 'float32', { engine });
      },
      select(indices: Int32Array): void {
        rows = indices.length;
      },
      dispose(): void {},
    };
  }
}

/**
 * A one-layer tanh RNN language model on the engine: h' = tanh(E[x] + h W), log-probs =
 * logSoftmax(h' U). The state is kept out of tidy scopes and replaced on every step and
 * select. Inputs: each sentence's start token (`startTokens`).
 */
export class TinyRnn implements Generative<number[]> {
  readonly bosTokenId = 0;
  readonly eosTokenId = 1;
  readonly padTokenId = 2;
  readonly embedding: Tensor;
  readonly recurrent: Tensor;
  readonly output: Tensor;

  constructor(
    readonly engine: Engine,
    readonly vocab: number,
    readonly hidden: number,
    seed = 0,
  ) {
    const rng = new Rng(seed);
    this.embedding = keep(randomNormal([vocab, hidden], 0, 1, { rng, engine }));
    this.recurrent = keep(randomNormal([hidden, hidden], 0, 0.5, { rng, engine }));
    this.output = keep(randomNormal([hidden, vocab], 0, 2, { rng, engine }));
  }

  /** Opens a session with one row per start token (all from a zero state). */
  startDecoding(starts: number[]): DecoderSession {
    const model = this;
    const engine = this.engine;
    const sentences = starts.length;
    let state: Tensor = keep(tensor(new Float32Array(sentences * this.hidden), [sentences, this.hidden], 'float32', { engine }));
    let disposed = false;
    return {
      get rows() {
        return state.shape[0]!;
      },
      vocabSize: this.vocab,
      startTokens: Int32Array.from(starts),
      step(tokens: Int32Array): Tensor {
        const x = gather(model.embedding, tensor(tokens, [tokens.length], 'int32', { engine }), 0);
        const next = keep(tanh(add(x, matmul(state, model.recurrent))));
        state.dispose();
        state = next;
        return logSoftmax(matmul(next, model.output), -1);
      },
      select(indices: Int32Array): void {
        const next = keep(gather(state, tensor(indices, [indices.length], 'int32', { engine }), 0));
        state.dispose();
        state = next;
      },
      dispose(): void {
        if (!disposed) state.dispose();
        disposed = true;
      },
    };
  }

  dispose(): void {
    this.embedding.dispose();
    this.recurrent.dispose();
    this.output.dispose();
  }
}

/** Every hypothesis `model` can produce for `seed` within the lengths, by brute force (no pruning). */
export function enumerateHypotheses(model: HashLM, seed: number, maxLength: number, minLength = 0): Omit<Hypothesis, 'score'>[] {
  const out: Omit<Hypothesis, 'score'>[] = [];
  const eos = model.eosTokenId;
  const walk = (tokens: number[], logProb: number): void => {
    const t = tokens.length + 1;
    const lp = model.logProbs(seed, [model.startTokenOf(seed), ...tokens]);
    for (let v = 0; v < lp.length; v++) {
      const sum = logProb + lp[v]!;
      if (v === eos) {
        if (t >= minLength) out.push({ tokens, logProb: sum, length: t, finished: true });
      } else if (t === maxLength) out.push({ tokens: [...tokens, v], logProb: sum, length: t, finished: false });
      else walk([...tokens, v], sum);
    }
  };
  walk([], 0);
  return out;
}

/** The model's log-probability of a hypothesis, recomputed token by token (EOS included when finished). */
export function sequenceLogProb(model: HashLM, seed: number, tokens: readonly number[], finished: boolean): number {
  const fed = [model.startTokenOf(seed)];
  let sum = 0;
  for (const v of [...tokens, ...(finished ? [model.eosTokenId] : [])]) {
    sum += model.logProbs(seed, fed)[v]!;
    fed.push(v);
  }
  return sum;
}
