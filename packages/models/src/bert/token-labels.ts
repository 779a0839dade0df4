import { ArgumentError } from '@heed/core';
import type { Encoding } from '@heed/tokenizers';

/** Options of `alignWordLabels`. */
export interface AlignWordLabelsOptions {
  /** Label every sub-token of a word with the word's label instead of only the first (default false). */
  labelAllSubTokens?: boolean;
  /** The label of ignored positions (default -100). */
  ignoreIndex?: number;
}

/**
 * Token-classification labels from word labels: each word's label goes on its first
 * sub-token, and -100 on its other sub-tokens, on special tokens and on padding (HF's
 * `tokenize_and_align_labels`). Words are the tokenizer's pre-tokenized words
 * (`encoding.wordIds`); pass pre-split words joined by single spaces, or encode with a
 * pre-tokenizer that splits where the dataset's words end. Words cut off by truncation
 * simply get no label.
 */
export function alignWordLabels(
  encoding: Pick<Encoding, 'wordIds' | 'sequenceIds'>,
  wordLabels: readonly number[],
  options: AlignWordLabelsOptions = {},
): number[] {
  const ignore = options.ignoreIndex ?? -100;
  const out: number[] = [];
  let previous: number | null = null;
  encoding.wordIds.forEach((w, i) => {
    if (w === null || (encoding.sequenceIds[i] ?? 0) !== 0) {
      out.push(ignore);
      previous = null;
      return;
    }
    if (w >= wordLabels.length)
      throw new ArgumentError(`alignWordLabels: the encoding has word ${w} but only ${wordLabels.length} word labels were given`);
    out.push(w !== previous || options.labelAllSubTokens ? wordLabels[w]! : ignore);
    previous = w;
  });
  return out;
}

/**
 * The reverse of `alignWordLabels` for predictions: one prediction per word, taken from the
 * word's first sub-token (`perToken[i]` is token i's prediction). Words truncated away are
 * `undefined`.
 */
export function firstSubTokenPredictions<T>(
  encoding: Pick<Encoding, 'wordIds' | 'sequenceIds'>,
  perToken: readonly T[],
  numWords: number,
): (T | undefined)[] {
  const out = new Array<T | undefined>(numWords).fill(undefined);
  encoding.wordIds.forEach((w, i) => {
    if (w === null || (encoding.sequenceIds[i] ?? 0) !== 0 || w >= numWords) return;
    if (out[w] === undefined) out[w] = perToken[i];
  });
  return out;
}
