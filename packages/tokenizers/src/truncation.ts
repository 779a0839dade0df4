/**
 * Truncation: cutting encodings to a maximum length, and the overflow windows (with a
 * stride) that keep what was cut. Pure functions over {@link Encoding}s and the options.
 */
import type { Encoding } from './encoding.js';
import { TokenizerConfigError } from './errors.js';

/** Truncation settings. `maxLength` counts the special tokens the post-processor adds. */
export interface TruncationOptions {
  /** Maximum number of tokens per window, special tokens included. */
  maxLength: number;
  /** Tokens shared by consecutive overflow windows (default 0). */
  stride?: number;
  /** Which sequence loses tokens (default `longest_first`). */
  strategy?: 'longest_first' | 'only_first' | 'only_second';
  /** Which end is cut (default `right`). */
  direction?: 'left' | 'right';
}

/**
 * Throws {@link TokenizerConfigError} unless `o` is usable: as HF's `with_truncation`, the
 * stride must be smaller than `maxLength` less the special tokens of a single sequence
 * (`added`).
 */
export function checkTruncation(o: TruncationOptions, added = 0): void {
  if (!Number.isInteger(o.maxLength) || o.maxLength < 0) throw new TokenizerConfigError(`truncation.maxLength must be a non-negative integer, got ${o.maxLength}`);
  const stride = o.stride ?? 0;
  if (!Number.isInteger(stride) || stride < 0) throw new TokenizerConfigError(`truncation.stride must be a non-negative integer, got ${stride}`);
  if (stride > 0 && stride >= o.maxLength - added)
    throw new TokenizerConfigError(`truncation.stride (${stride}) must be smaller than maxLength (${o.maxLength}) less the ${added} special tokens of a single sequence`);
}

/**
 * Cuts `e` into windows of `maxLen` tokens, consecutive ones sharing `stride` tokens; the
 * first is the truncated encoding, the others its overflow (HF's `Encoding::truncate`).
 */
export function truncationWindows(e: Encoding, maxLen: number, o: TruncationOptions): Encoding[] {
  const len = e.length;
  if (maxLen >= len) return [e];
  if (maxLen === 0) return [e.slice(0, 0), e];
  const stride = o.stride ?? 0;
  if (stride >= maxLen) throw new TokenizerConfigError(`truncation.stride (${stride}) must be smaller than the room left for the sequence (${maxLen})`);
  const step = maxLen - stride;
  const out: Encoding[] = [];
  if ((o.direction ?? 'right') === 'right') {
    for (let s = 0; ; s += step) {
      const stop = Math.min(s + maxLen, len);
      out.push(e.slice(s, stop));
      if (stop === len) break;
    }
  } else {
    for (let stop = len; ; stop -= step) {
      const s = Math.max(stop - maxLen, 0);
      out.push(e.slice(s, stop));
      if (s === 0) break;
    }
  }
  return out;
}

/**
 * Truncates a sequence (and its pair) so that, with `added` special tokens, they fit
 * `o.maxLength`, as HF's `truncate_encodings`. Returns the windows of each:
 * `[aWindows, bWindows]` (`[null]` without a pair); see {@link overflowPairs} for how they combine.
 */
export function truncatePair(a: Encoding, b: Encoding | null, added: number, o: TruncationOptions): [Encoding[], (Encoding | null)[]] {
  const total = a.length + (b?.length ?? 0);
  if (total + added <= o.maxLength) return [[a], [b]];
  const toRemove = total + added - o.maxLength;
  const strategy = o.strategy ?? 'longest_first';
  if (strategy === 'longest_first') {
    if (b === null) return [truncationWindows(a, Math.max(0, a.length - toRemove), o), [null]];
    // HF's truncate_encodings: the shorter sequence keeps its length when the longer one
    // still gets at least as much room; otherwise each gets half (the longer one, or the
    // second on a tie, the odd token).
    const room = o.maxLength - added;
    const swap = a.length > b.length;
    let short = swap ? b.length : a.length;
    let long = short > room ? short : Math.max(short, room - short);
    if (short + long > room) {
      short = Math.floor(room / 2);
      long = short + (room % 2);
    }
    const [n1, n2] = swap ? [long, short] : [short, long];
    return [truncationWindows(a, Math.max(0, n1), o), truncationWindows(b, Math.max(0, n2), o)];
  }
  const target = strategy === 'only_first' ? a : b;
  if (target === null) throw new TokenizerConfigError(`truncation strategy ${strategy} needs a pair of sequences`);
  if (target.length <= toRemove)
    throw new TokenizerConfigError(`truncation: the ${strategy === 'only_first' ? 'first' : 'second'} sequence (${target.length} tokens) is too short to fit maxLength ${o.maxLength}`);
  const w = truncationWindows(target, target.length - toRemove, o);
  return strategy === 'only_first' ? [w, [b]] : [[a], w];
}

/**
 * The (first, second) window pairs in HF's order (`Encoding::merge_with`): the main
 * `[a0, b0]` first, then each overflow window of the first sequence with every window of
 * the second, then the first window of the first sequence with the second's overflow.
 */
export function overflowPairs<A, B>(aw: readonly A[], bw: readonly B[]): Array<[A, B]> {
  const out: Array<[A, B]> = [[aw[0]!, bw[0]!]];
  for (let i = 1; i < aw.length; i++) for (const y of bw) out.push([aw[i]!, y]);
  for (let j = 1; j < bw.length; j++) out.push([aw[0]!, bw[j]!]);
  return out;
}

/** The Hugging Face `tokenizer.json` form of the settings. */
export function truncationToJSON(t: TruncationOptions | null): Record<string, unknown> | null {
  if (t === null) return null;
  return {
    direction: (t.direction ?? 'right') === 'right' ? 'Right' : 'Left',
    max_length: t.maxLength,
    strategy: { longest_first: 'LongestFirst', only_first: 'OnlyFirst', only_second: 'OnlySecond' }[t.strategy ?? 'longest_first'],
    stride: t.stride ?? 0,
  };
}
