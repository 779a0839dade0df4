/**
 * Postprocess of `question-answering`, as Hugging Face's `QuestionAnsweringPipeline`
 * (question first, context second): in each window, start and end logits of tokens that
 * cannot be in the answer (question, special and padding tokens; `[CLS]` stays in the
 * normalisation) are set to -10000, both are softmax-normalised, the first token is
 * zeroed, and spans `start ≤ end < start + maxAnswerLength` are scored by p(start)·p(end).
 * The best `topK` spans of each window whose ends both lie in the context (or on `[CLS]`,
 * whose probability is 0) are mapped to whole words of the context (character offsets),
 * and the best `topK` over all windows are returned.
 */
import { TaskInputError } from '../errors.js';

/** One answer: its text, score and UTF-16 offsets into the context. */
export interface Answer {
  score: number;
  start: number;
  end: number;
  answer: string;
}

/** One window of a (question, context) encoding and its logits. */
export interface QaWindow {
  /** Start logits per token. */
  startLogits: ArrayLike<number>;
  /** End logits per token. */
  endLogits: ArrayLike<number>;
  /** Which sequence each token comes from (0 question, 1 context, null special/padding). */
  sequenceIds: readonly (number | null)[];
  /** Word index of each token (null for special/padding tokens). */
  wordIds: readonly (number | null)[];
  /** Token offsets into their own sequence's text. */
  starts: readonly number[];
  ends: readonly number[];
  /** 1 for real tokens, 0 for padding (default: all real). */
  attentionMask?: readonly number[];
  /** Index of the `[CLS]` token, which stays in the softmax (HF's p_mask exception); default none. */
  clsIndex?: number | null;
}

/** Options of {@link postprocessQuestionAnswering}. */
export interface QaPostOptions {
  /** Answers to return (default 1). */
  topK?: number;
  /** Longest answer in tokens (default 15). */
  maxAnswerLength?: number;
  /** Also offer the empty answer scored by p(start=0)·p(end=0) (default false). */
  handleImpossibleAnswer?: boolean;
  /** Widen spans to whole words (default true). */
  alignToWords?: boolean;
}

function normalise(logits: ArrayLike<number>, allowed: Uint8Array): Float64Array {
  const n = allowed.length;
  const x = new Float64Array(n);
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    x[i] = allowed[i] ? logits[i]! : -10000;
    max = Math.max(max, x[i]!);
  }
  let sum = 0;
  for (let i = 0; i < n; i++) {
    x[i] = Math.exp(x[i]! - max);
    sum += x[i]!;
  }
  for (let i = 0; i < n; i++) x[i]! /= sum;
  return x;
}

/** HF's `decode_spans`: the best `topK` (start, end, score) of the banded outer product, then those whose ends are both allowed. */
export function decodeSpans(
  start: Float64Array,
  end: Float64Array,
  topK: number,
  maxAnswerLength: number,
  desired: Uint8Array,
): Array<[number, number, number]> {
  const n = start.length;
  const best: Array<[number, number, number]> = [];
  for (let s = 0; s < n; s++) {
    for (let e = 0; e < n; e++) {
      const score = e >= s && e - s < maxAnswerLength ? start[s]! * end[e]! : 0;
      if (best.length === topK && score <= best[topK - 1]![2]) continue;
      let k = best.length;
      while (k > 0 && best[k - 1]![2] < score) k--;
      best.splice(k, 0, [s, e, score]);
      if (best.length > topK) best.pop();
    }
  }
  return best.filter(([s, e]) => desired[s] === 1 && desired[e] === 1);
}

function wordChars(w: QaWindow, token: number): [number, number] {
  const word = w.wordIds[token];
  if (word === null || word === undefined) return [w.starts[token]!, w.ends[token]!];
  let a = -1;
  let b = -1;
  for (let i = 0; i < w.wordIds.length; i++) {
    if (w.sequenceIds[i] === 1 && w.wordIds[i] === word) {
      if (a < 0) a = w.starts[i]!;
      b = w.ends[i]!;
    }
  }
  return [a, b];
}

/**
 * The answers to one question from its windows: the best one (`topK` 1) or the `topK`
 * best, sorted by score. Spans are character offsets into `context`.
 */
export function postprocessQuestionAnswering(context: string, windows: readonly QaWindow[], options: QaPostOptions = {}): Answer[] {
  const topK = options.topK ?? 1;
  const maxLen = options.maxAnswerLength ?? 15;
  if (!(Number.isInteger(topK) && topK >= 1)) throw new TaskInputError(`question-answering: topK must be a positive integer, got ${topK}`);
  if (!(Number.isInteger(maxLen) && maxLen >= 1))
    throw new TaskInputError(`question-answering: maxAnswerLength must be a positive integer, got ${maxLen}`);
  const answers: Answer[] = [];
  let minNull = 1_000_000;
  for (const w of windows) {
    const n = w.sequenceIds.length;
    if (w.startLogits.length !== n || w.endLogits.length !== n)
      throw new TaskInputError(`question-answering: a window of ${n} tokens has ${w.startLogits.length} start and ${w.endLogits.length} end logits`);
    // Allowed (HF's 1 - p_mask, and the attention mask): real context tokens and [CLS]. They
    // make the softmax and the admissible span ends; [CLS]'s probability is zeroed below.
    const allowed = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const real = (w.attentionMask?.[i] ?? 1) === 1;
      allowed[i] = (w.sequenceIds[i] === 1 || i === w.clsIndex) && real ? 1 : 0;
    }
    const ps = normalise(w.startLogits, allowed);
    const pe = normalise(w.endLogits, allowed);
    if (options.handleImpossibleAnswer) minNull = Math.min(minNull, ps[0]! * pe[0]!);
    ps[0] = 0;
    pe[0] = 0;
    for (const [s, e, score] of decodeSpans(ps, pe, topK, maxLen, allowed)) {
      const [a] = options.alignToWords === false ? [w.starts[s]!] : wordChars(w, s);
      const [, b] = options.alignToWords === false ? [0, w.ends[e]!] : wordChars(w, e);
      answers.push({ score, start: a!, end: b!, answer: context.slice(a, b) });
    }
  }
  if (options.handleImpossibleAnswer) answers.push({ score: minNull, start: 0, end: 0, answer: '' });
  answers.sort((x, y) => y.score - x.score);
  return answers.slice(0, topK);
}
