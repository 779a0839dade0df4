/**
 * Postprocess of `text-classification`, as Hugging Face's pipeline: scores from the logits
 * (softmax for several labels, sigmoid for one label or multi-label problems), then either
 * the best `{label, score}` or the `topK` labels sorted by score.
 */
import { TaskInputError } from '../errors.js';
import { argmax, labelOf, sigmoid, softmaxRow } from './scores.js';

/** One label and its score. */
export interface LabelScore {
  label: string;
  score: number;
}

/** How scores are made from logits: HF's `function_to_apply`. */
export type ClassificationFunction = 'softmax' | 'sigmoid' | 'none';

/** Options of the text-classification postprocess. */
export interface TextClassificationPostOptions {
  /**
   * Undefined (default): the best label as `{label, score}`. A number: the best `topK`
   * labels, sorted by score. `null`: every label, sorted.
   */
  topK?: number | null;
  /** Default: `sigmoid` for one label or `problemType` multi-label, otherwise `softmax`. */
  functionToApply?: ClassificationFunction;
  /** HF's `problem_type` from the config (`multi_label_classification` picks sigmoid). */
  problemType?: string;
}

/** The function HF applies for a model with `numLabels` outputs. */
export function defaultClassificationFunction(numLabels: number, problemType?: string): ClassificationFunction {
  if (problemType === 'multi_label_classification' || numLabels === 1) return 'sigmoid';
  return 'softmax';
}

/**
 * Turns logits `[rows, numLabels]` (row-major) into one result per row: `{label, score}`
 * without `topK`, else a sorted list. `labels[i]` names class i (default `LABEL_i`).
 */
export function postprocessTextClassification(
  logits: ArrayLike<number>,
  numLabels: number,
  labels: readonly string[] | undefined,
  options: TextClassificationPostOptions = {},
): Array<LabelScore | LabelScore[]> {
  if (!Number.isInteger(numLabels) || numLabels < 1 || logits.length % numLabels !== 0) {
    throw new TaskInputError(`text-classification: ${logits.length} logits do not split into rows of ${numLabels} labels`);
  }
  const topK = options.topK;
  if (topK !== undefined && topK !== null && !(Number.isInteger(topK) && topK >= 1)) {
    throw new TaskInputError(`text-classification: topK must be a positive integer or null, got ${JSON.stringify(topK)}`);
  }
  const fn = options.functionToApply ?? defaultClassificationFunction(numLabels, options.problemType);
  const out: Array<LabelScore | LabelScore[]> = [];
  for (let r = 0; r * numLabels < logits.length; r++) {
    let scores: Float64Array;
    if (fn === 'softmax') scores = softmaxRow(logits, r * numLabels, numLabels);
    else {
      scores = new Float64Array(numLabels);
      for (let i = 0; i < numLabels; i++) scores[i] = fn === 'sigmoid' ? sigmoid(logits[r * numLabels + i]!) : logits[r * numLabels + i]!;
    }
    if (topK === undefined) {
      const best = argmax(scores);
      out.push({ label: labelOf(labels, best), score: scores[best]! });
      continue;
    }
    const all = Array.from(scores, (score, i) => ({ label: labelOf(labels, i), score }));
    // Stable sort: equal scores keep label order.
    all.sort((a, b) => b.score - a.score);
    out.push(topK === null ? all : all.slice(0, topK));
  }
  return out;
}
