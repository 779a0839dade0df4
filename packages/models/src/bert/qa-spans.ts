import { ArgumentError } from '@heed/core';
import type { Encoding, Tokenizer } from '@heed/tokenizers';

/** One answer of a training example: its text and character offset in the context. */
export interface QaAnswer {
  text: string;
  answerStart: number;
}

/** One window of a question and part of its context, ready for `BertForQuestionAnswering`. */
export interface QaWindow {
  /** The encoding of `[CLS] question [SEP] context-part [SEP]` (offsets into each text, types, word ids). */
  encoding: Encoding;
  /** Token index of the answer's first token in this window, 0 (`[CLS]`) when the answer is not inside it. */
  startPosition: number;
  /** Token index of the answer's last token (inclusive), 0 when the answer is not inside it. */
  endPosition: number;
}

/** Options of `qaWindows`. */
export interface QaWindowOptions {
  /** Tokens per window, specials included (e.g. 384). */
  maxLength: number;
  /** Context tokens shared by consecutive windows (HF's `doc_stride`, e.g. 128). */
  docStride: number;
}

/**
 * Splits a (question, context) pair into windows over the context (HF tokenizers'
 * `only_second` truncation with a stride) and labels each with the answer's token span;
 * a window that does not hold the whole answer is labelled at `[CLS]` (0, 0). Without an
 * answer every window is labelled (0, 0). The tokenizer's truncation setting is restored.
 */
export function qaWindows(
  tokenizer: Tokenizer,
  question: string,
  context: string,
  answer: QaAnswer | undefined,
  options: QaWindowOptions,
): QaWindow[] {
  const { maxLength, docStride } = options;
  const saved = tokenizer.truncation;
  tokenizer.enableTruncation({ maxLength, stride: docStride, strategy: 'only_second' });
  let first: Encoding;
  try {
    first = tokenizer.encode(question, context);
  } finally {
    if (saved) tokenizer.enableTruncation(saved);
    else tokenizer.noTruncation();
  }
  const encodings = [first, ...first.overflowing];
  if (answer && !(answer.answerStart >= 0 && answer.answerStart + answer.text.length <= context.length)) {
    throw new ArgumentError(
      `qaWindows: the answer [${answer.answerStart}, ${answer.answerStart + answer.text.length}) ` +
        `lies outside the context (${context.length} characters)`,
    );
  }
  return encodings.map((encoding) => {
    if (!answer) return { encoding, startPosition: 0, endPosition: 0 };
    const startChar = answer.answerStart;
    const endChar = startChar + answer.text.length;
    // The first context token ending after the answer's start, the last one starting before its end.
    let s = -1;
    let e = -1;
    for (let i = 0; i < encoding.length; i++) {
      if (encoding.sequenceIds[i] !== 1) continue;
      if (s < 0 && encoding.ends[i]! > startChar) s = i;
      if (encoding.starts[i]! < endChar) e = i;
    }
    const ctx = contextRange(encoding);
    const inside = ctx && encoding.starts[ctx[0]]! <= startChar && encoding.ends[ctx[1]]! >= endChar;
    return inside && s >= 0 && e >= s ? { encoding, startPosition: s, endPosition: e } : { encoding, startPosition: 0, endPosition: 0 };
  });
}

/** The first and last token index of the context (sequence 1) in an encoding, or undefined. */
export function contextRange(encoding: Pick<Encoding, 'sequenceIds'>): [number, number] | undefined {
  const first = encoding.sequenceIds.indexOf(1);
  if (first < 0) return undefined;
  return [first, encoding.sequenceIds.lastIndexOf(1)];
}

/** An answer span found by `bestSpans`. */
export interface QaSpan {
  /** Probability p_start(i) · p_end(j) within its window (HF's question-answering pipeline score). */
  score: number;
  /** Character offsets into the context: `context.slice(start, end)`. */
  start: number;
  end: number;
  /** The answer text. */
  answer: string;
  /** Which window it came from. */
  window: number;
}

/** Options of `bestSpans`. */
export interface BestSpansOptions {
  /** Longest answer in tokens (default 15, HF's pipeline default). */
  maxAnswerLength?: number;
  /** How many spans to return (default 1). */
  topK?: number;
}

function softmaxMasked(logits: ArrayLike<number>, allowed: (i: number) => boolean, n: number): Float64Array {
  const out = new Float64Array(n);
  let m = -Infinity;
  for (let i = 0; i < n; i++) if (allowed(i)) m = Math.max(m, logits[i]!);
  let z = 0;
  for (let i = 0; i < n; i++) {
    out[i] = allowed(i) ? Math.exp(logits[i]! - m) : 0;
    z += out[i]!;
  }
  for (let i = 0; i < n; i++) out[i]! /= z;
  return out;
}

/**
 * The best answer spans across a question's windows. In each window the start and end
 * logits are turned into probabilities over the context tokens, a span (i, j) with
 * i ≤ j < i + maxAnswerLength scores p_start(i) · p_end(j), and spans map back to character
 * offsets in the context through the tokens' offsets. `startLogits[w]` / `endLogits[w]` are
 * window w's rows (length ≥ the window's tokens). Identical character spans found in
 * several windows are kept once, with their best score.
 */
export function bestSpans(
  context: string,
  windows: readonly Pick<Encoding, 'sequenceIds' | 'starts' | 'ends' | 'length'>[],
  startLogits: readonly ArrayLike<number>[],
  endLogits: readonly ArrayLike<number>[],
  options: BestSpansOptions = {},
): QaSpan[] {
  const maxLen = options.maxAnswerLength ?? 15;
  const topK = options.topK ?? 1;
  if (!(Number.isInteger(maxLen) && maxLen > 0)) throw new ArgumentError(`bestSpans: maxAnswerLength must be a positive integer, got ${maxLen}`);
  if (!(Number.isInteger(topK) && topK > 0)) throw new ArgumentError(`bestSpans: topK must be a positive integer, got ${topK}`);
  if (startLogits.length !== windows.length || endLogits.length !== windows.length) {
    throw new ArgumentError(`bestSpans: ${windows.length} windows but ${startLogits.length} start and ${endLogits.length} end logit rows`);
  }
  const best = new Map<string, QaSpan>();
  windows.forEach((enc, w) => {
    const n = enc.length;
    const isCtx = (i: number): boolean => enc.sequenceIds[i] === 1;
    const ps = softmaxMasked(startLogits[w]!, isCtx, n);
    const pe = softmaxMasked(endLogits[w]!, isCtx, n);
    for (let i = 0; i < n; i++) {
      if (!isCtx(i)) continue;
      for (let j = i; j < Math.min(n, i + maxLen); j++) {
        if (!isCtx(j)) break;
        const score = ps[i]! * pe[j]!;
        const start = enc.starts[i]!;
        const end = enc.ends[j]!;
        const key = `${start}:${end}`;
        const prev = best.get(key);
        if (!prev || prev.score < score) best.set(key, { score, start, end, answer: context.slice(start, end), window: w });
      }
    }
  });
  return [...best.values()].sort((a, b) => b.score - a.score).slice(0, topK);
}
