/**
 * SQuAD v1.1 exact match and F1 as the official `evaluate-v1.1.py` computes them: answers
 * are normalised (lower case, ASCII punctuation removed, the articles a/an/the removed,
 * whitespace collapsed), F1 is over the bag of normalised tokens, and each question takes
 * its best score over the gold answers. Scores are on the script's 0–100 scale.
 */
import { TaskInputError } from '../errors.js';
import { pySplit } from './python-text.js';

/** Python's `string.punctuation`. */
const PUNCTUATION = new Set('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~');
/** `\b(a|an|the)\b` with Python's Unicode word characters (letters, numbers, underscore). */
const ARTICLES = /(?<![\p{L}\p{N}_])(?:a|an|the)(?![\p{L}\p{N}_])/gu;

/** The official answer normalisation. */
export function normalizeAnswer(s: string): string {
  let t = s.toLowerCase();
  t = Array.from(t)
    .filter((ch) => !PUNCTUATION.has(ch))
    .join('');
  t = t.replace(ARTICLES, ' ');
  return pySplit(t).join(' ');
}

/** Exact match (0 or 1) of one prediction against one gold answer. */
export function squadExactMatch(prediction: string, truth: string): number {
  return normalizeAnswer(prediction) === normalizeAnswer(truth) ? 1 : 0;
}

/** Token F1 (0–1) of one prediction against one gold answer. */
export function squadF1(prediction: string, truth: string): number {
  const p = pySplit(normalizeAnswer(prediction));
  const g = pySplit(normalizeAnswer(truth));
  const counts = new Map<string, number>();
  for (const w of g) counts.set(w, (counts.get(w) ?? 0) + 1);
  let same = 0;
  for (const w of p) {
    const c = counts.get(w) ?? 0;
    if (c > 0) {
      same++;
      counts.set(w, c - 1);
    }
  }
  if (same === 0) return 0;
  const precision = same / p.length;
  const recall = same / g.length;
  return (2 * precision * recall) / (precision + recall);
}

/** One question's gold answers. */
export interface SquadReference {
  /** Question id. */
  id: string;
  /** Gold answer texts (at least one). */
  answers: readonly string[];
}

/** SQuAD v1.1 scores (0–100) and how many questions had no prediction. */
export interface SquadScores {
  exactMatch: number;
  f1: number;
  /** Questions scored (unanswered ones count as 0). */
  total: number;
  /** Questions without a prediction. */
  unanswered: number;
}

/**
 * The official `evaluate(dataset, predictions)`: mean over every reference question of the
 * best exact match and F1 over its gold answers; a question without a prediction scores 0.
 */
export function squadScores(
  references: readonly SquadReference[],
  predictions: Readonly<Record<string, string>> | ReadonlyMap<string, string>,
): SquadScores {
  const get = (id: string): string | undefined =>
    predictions instanceof Map
      ? predictions.get(id)
      : Object.prototype.hasOwnProperty.call(predictions, id)
      ? (predictions as Record<string, string>)[id]
      : undefined;
  let em = 0;
  let f1 = 0;
  let unanswered = 0;
  for (const q of references) {
    if (q.answers.length === 0) throw new TaskInputError(`squadScores: question ${q.id} has no gold answers`);
    const pred = get(q.id);
    if (pred === undefined) {
      unanswered++;
      continue;
    }
    if (typeof pred !== 'string') throw new TaskInputError(`squadScores: the prediction for ${q.id} must be a string, got ${typeof pred}`);
    em += Math.max(...q.answers.map((a) => squadExactMatch(pred, a)));
    f1 += Math.max(...q.answers.map((a) => squadF1(pred, a)));
  }
  const n = references.length;
  return { exactMatch: n === 0 ? 0 : (100 * em) / n, f1: n === 0 ? 0 : (100 * f1) / n, total: n, unanswered };
}
