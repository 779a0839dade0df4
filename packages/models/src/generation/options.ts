import { ArgumentError, type Rng } from '@heed/core';

/**
 * How beam search normalises a hypothesis's log-probability by its length L (the number
 * of generated tokens, EOS included): score = logProb / penalty(L).
 *
 * - `none`: penalty 1 (raw log-probability; favours short outputs);
 * - `power`: penalty L^exponent (the course's score / L^γ; γ = 0.75 is common);
 * - `gnmt`: penalty ((5 + L) / 6)^alpha (Wu et al. 2016, GNMT; α in [0.6, 1] is common).
 */
export type LengthPenalty = { type: 'none' } | { type: 'power'; exponent: number } | { type: 'gnmt'; alpha: number };

/** The divisor a hypothesis of `length` generated tokens gets under `penalty` (1 for none). */
export function lengthPenaltyDivisor(penalty: LengthPenalty | undefined, length: number): number {
  if (penalty === undefined || penalty.type === 'none') return 1;
  if (penalty.type === 'power') return Math.pow(length, penalty.exponent);
  return Math.pow((5 + length) / 6, penalty.alpha);
}

/** A hypothesis's normalised score: `logProb / lengthPenaltyDivisor(penalty, length)`. */
export function normalizedScore(logProb: number, length: number, penalty?: LengthPenalty): number {
  return logProb / lengthPenaltyDivisor(penalty, length);
}

/** Options every generation strategy takes. */
export interface LengthOptions {
  /**
   * Maximum generated length L, counted in decoding steps, EOS included (default 50). A
   * hypothesis that reaches it without EOS is returned with `finished: false`.
   */
  maxLength?: number;
  /**
   * Minimum generated length, EOS included (default 0): EOS is forbidden at steps before
   * `minLength`, so a finished hypothesis has at least `minLength - 1` tokens before EOS.
   */
  minLength?: number;
}

/** Options of greedy search. */
export type GreedyOptions = LengthOptions;

/** Options of beam search. */
export interface BeamSearchOptions extends LengthOptions {
  /** Beams per sentence, an integer ≥ 1. */
  beamSize: number;
  /** Hypotheses returned per sentence, best first (default 1; at most `beamSize`). */
  numReturn?: number;
  /** Length normalisation of the final ranking (default none). */
  lengthPenalty?: LengthPenalty;
  /**
   * Stop a sentence as soon as its `numReturn` best finished hypotheses provably cannot be
   * beaten by any continuation of its live beams (default true; exact, see beam.ts).
   * When false every sentence decodes until all its beams end or `maxLength`.
   */
  earlyStopping?: boolean;
}

/** Options of sampling. */
export interface SampleOptions extends LengthOptions {
  /** Divides the log-probabilities before the softmax (default 1); > 0. */
  temperature?: number;
  /** Keep only the k most probable tokens (after temperature); an integer ≥ 1. */
  topK?: number;
  /** Nucleus: keep the smallest set of most probable tokens whose mass is ≥ p; p in (0, 1]. */
  topP?: number;
  /** Seed of a fresh `Rng` (default 0) when `rng` is not given. */
  seed?: number;
  /** The generator to draw from (advanced by one draw per live row per step). */
  rng?: Rng;
  /** Samples per sentence (default 1). */
  numReturn?: number;
}

/** One generated hypothesis. */
export interface Hypothesis {
  /** Generated token ids, without the start token and without EOS. */
  tokens: number[];
  /** Sum of the model's log-probabilities of the generated tokens, EOS included when finished. */
  logProb: number;
  /** `logProb` normalised by length (beam search's ranking score; equals `logProb` otherwise). */
  score: number;
  /** Generated length L used for normalisation: `tokens.length`, plus 1 when finished (EOS). */
  length: number;
  /** True when the hypothesis ended with EOS; false when it reached `maxLength`. */
  finished: boolean;
}

/** Checked lengths: maxLength ≥ 1 and 0 ≤ minLength ≤ maxLength, both integers. */
export function checkLengths(fn: string, options: LengthOptions): { maxLength: number; minLength: number } {
  const maxLength = options.maxLength ?? 50;
  const minLength = options.minLength ?? 0;
  if (!Number.isInteger(maxLength) || maxLength < 1) throw new ArgumentError(`${fn}: maxLength must be an integer ≥ 1, got ${maxLength}`);
  if (!Number.isInteger(minLength) || minLength < 0) throw new ArgumentError(`${fn}: minLength must be an integer ≥ 0, got ${minLength}`);
  if (minLength > maxLength) throw new ArgumentError(`${fn}: minLength (${minLength}) must not exceed maxLength (${maxLength})`);
  return { maxLength, minLength };
}

/** Checks an integer option ≥ 1 (beam size, top-k, numReturn). */
export function checkPositiveInt(fn: string, name: string, value: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new ArgumentError(`${fn}: ${name} must be an integer ≥ 1, got ${String(value)}`);
  }
  return value;
}

/** Checks a length penalty's type and its exponent (finite). */
export function checkLengthPenalty(fn: string, penalty: LengthPenalty | undefined): void {
  if (penalty === undefined || penalty.type === 'none') return;
  const value = penalty.type === 'power' ? penalty.exponent : penalty.type === 'gnmt' ? penalty.alpha : undefined;
  if (value === undefined) {
    throw new ArgumentError(`${fn}: lengthPenalty.type must be 'none', 'power' or 'gnmt', got ${String((penalty as { type: unknown }).type)}`);
  }
  if (!Number.isFinite(value)) {
    throw new ArgumentError(`${fn}: lengthPenalty ${penalty.type === 'power' ? 'exponent' : 'alpha'} must be a finite number, got ${value}`);
  }
}

/** Checks the sampling options: temperature > 0, topK integer ≥ 1, topP in (0, 1]. */
export function checkSampling(fn: string, options: SampleOptions): void {
  const { temperature, topK, topP } = options;
  if (temperature !== undefined && !(Number.isFinite(temperature) && temperature > 0)) {
    throw new ArgumentError(`${fn}: temperature must be a finite number > 0, got ${temperature}`);
  }
  if (topK !== undefined) checkPositiveInt(fn, 'topK', topK);
  if (topP !== undefined && !(topP > 0 && topP <= 1)) throw new ArgumentError(`${fn}: topP must be in (0, 1], got ${topP}`);
}
