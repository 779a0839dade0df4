import { ArgumentError } from './errors.js';

/**
 * A small, fast, seedable pseudo-random generator (xoshiro128**), so that weight
 * initialisation, dropout masks and data shuffling are reproducible from a seed.
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare: number | undefined;

  constructor(seed = 0) {
    // splitmix32 expands the seed into the four state words.
    let x = seed >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform in [low, high). */
  uniform(low = 0, high = 1): number {
    return low + (high - low) * this.next();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box–Muller). */
  normal(mean = 0, std = 1): number {
    if (this.spare !== undefined) {
      const v = this.spare;
      this.spare = undefined;
      return mean + std * v;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return mean + std * r * Math.cos(2 * Math.PI * v);
  }

  /** The generator's state (JSON-serialisable), for checkpoints; `setState` restores it exactly. */
  getState(): RngState {
    return { words: [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0], spare: this.spare ?? null };
  }

  /** Restores a state from `getState()`, so the generator continues the same sequence. */
  setState(state: RngState): void {
    const w = state?.words;
    if (!Array.isArray(w) || w.length !== 4 || !w.every((x) => Number.isInteger(x) && x >= 0 && x < 2 ** 32) || w.every((x) => x === 0)) {
      throw new ArgumentError(`Rng.setState: words must be four uint32 values, not all zero, got ${JSON.stringify(w)}`);
    }
    if (state.spare !== null && typeof state.spare !== 'number') throw new ArgumentError(`Rng.setState: spare must be a number or null, got ${JSON.stringify(state.spare)}`);
    [this.s0, this.s1, this.s2, this.s3] = w as [number, number, number, number];
    this.spare = state.spare ?? undefined;
  }

  /** Shuffles an array in place (Fisher–Yates) and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items;
  }
}

/** The state of an `Rng`: its four xoshiro128** words and the cached second normal deviate. */
export interface RngState {
  readonly words: readonly number[];
  readonly spare: number | null;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
