/**
 * Accuracy, precision, recall and F1 for classification, with scikit-learn's definitions
 * (`accuracy_score`, `precision_recall_fscore_support`): binary for one positive label,
 * macro (unweighted mean over the labels present in either list) and micro (from summed
 * counts). A ratio with a zero denominator is 0 (sklearn's `zero_division=0`). Values are
 * fractions in [0, 1].
 */
import { TaskInputError } from '../errors.js';

/** A class label: a name or an index. */
export type Label = string | number;

/** Precision, recall and F1 (fractions). */
export interface PrecisionRecallF1 {
  precision: number;
  recall: number;
  f1: number;
}

/** Options of {@link f1Score}. */
export interface F1Options {
  /** `binary` (default; scores `positiveLabel` only), `macro` or `micro`. */
  average?: 'binary' | 'macro' | 'micro';
  /** The positive label for `binary` (default 1). */
  positiveLabel?: Label;
  /** The labels to average over (default: every label in `predictions` or `references`). */
  labels?: readonly Label[];
}

function checkLengths(what: string, predictions: readonly unknown[], references: readonly unknown[]): void {
  if (predictions.length !== references.length) {
    throw new TaskInputError(`${what}: ${predictions.length} predictions but ${references.length} references`);
  }
}

const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);
const harmonic = (p: number, r: number): number => (p + r === 0 ? 0 : (2 * p * r) / (p + r));

/** Fraction of predictions equal to their reference (0 for empty lists). */
export function accuracy(predictions: readonly Label[], references: readonly Label[]): number {
  checkLengths('accuracy', predictions, references);
  let ok = 0;
  for (let i = 0; i < predictions.length; i++) if (predictions[i] === references[i]) ok++;
  return ratio(ok, predictions.length);
}

/** True positives, predicted positives and actual positives of one label. */
function labelCounts(predictions: readonly Label[], references: readonly Label[], label: Label): [number, number, number] {
  let tp = 0;
  let pred = 0;
  let actual = 0;
  for (let i = 0; i < predictions.length; i++) {
    const p = predictions[i] === label;
    const a = references[i] === label;
    if (p) pred++;
    if (a) actual++;
    if (p && a) tp++;
  }
  return [tp, pred, actual];
}

/** Precision, recall and F1 of `predictions` against `references` (see {@link F1Options}). */
export function precisionRecallF1(predictions: readonly Label[], references: readonly Label[], options: F1Options = {}): PrecisionRecallF1 {
  checkLengths('precisionRecallF1', predictions, references);
  const average = options.average ?? 'binary';
  if (average === 'binary') {
    const pos = options.positiveLabel ?? 1;
    const seen = new Set<Label>([...predictions, ...references]);
    if (seen.size > 2)
      throw new TaskInputError(`precisionRecallF1: average "binary" needs at most 2 labels, got ${seen.size}; use "macro" or "micro"`);
    const [tp, pred, actual] = labelCounts(predictions, references, pos);
    const precision = ratio(tp, pred);
    const recall = ratio(tp, actual);
    return { precision, recall, f1: harmonic(precision, recall) };
  }
  const labels = options.labels ?? [...new Set<Label>([...references, ...predictions])];
  if (average === 'micro') {
    let tp = 0;
    let pred = 0;
    let actual = 0;
    for (const l of labels) {
      const [a, b, c] = labelCounts(predictions, references, l);
      tp += a;
      pred += b;
      actual += c;
    }
    const precision = ratio(tp, pred);
    const recall = ratio(tp, actual);
    return { precision, recall, f1: harmonic(precision, recall) };
  }
  if (average !== 'macro')
    throw new TaskInputError(`precisionRecallF1: average must be "binary", "macro" or "micro", got ${JSON.stringify(average)}`);
  let p = 0;
  let r = 0;
  let f = 0;
  for (const l of labels) {
    const [tp, pred, actual] = labelCounts(predictions, references, l);
    const pl = ratio(tp, pred);
    const rl = ratio(tp, actual);
    p += pl;
    r += rl;
    f += harmonic(pl, rl);
  }
  const n = labels.length;
  return { precision: ratio(p, n), recall: ratio(r, n), f1: ratio(f, n) };
}

/** F1 of `predictions` against `references` (see {@link F1Options}). */
export function f1Score(predictions: readonly Label[], references: readonly Label[], options: F1Options = {}): number {
  return precisionRecallF1(predictions, references, options).f1;
}
