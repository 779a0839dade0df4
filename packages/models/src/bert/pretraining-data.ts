import { ArgumentError, Rng } from '@heed/core';

/** The special token ids the pre-training data needs. */
export interface BertSpecialIds {
  cls: number;
  sep: number;
  mask: number;
  pad: number;
}

/** One pre-training sequence before masking: `[CLS] A [SEP] B [SEP]` (or `[CLS] A [SEP]`). */
export interface NspExample {
  /** Token ids, specials included. */
  inputIds: number[];
  /** 0 for `[CLS] A [SEP]`, 1 for `B [SEP]`. */
  tokenTypeIds: number[];
  /** 0 = B follows A in its document (IsNext), 1 = B comes from another document, -100 = a single segment (no NSP). */
  nextSentenceLabel: number;
}

/** Options of `nspExamples`. */
export interface NspOptions {
  /** Tokens per sequence, specials included (e.g. 128). */
  maxLength: number;
  /** Seed of the pairing and the 50/50 draw. */
  seed: number;
  /** Special ids (`cls`, `sep`). */
  ids: Pick<BertSpecialIds, 'cls' | 'sep'>;
  /**
   * Unrelated single sentences (token ids, no specials) packed into single-segment
   * sequences with no NSP label: more text for masked LM.
   */
  singles?: readonly (readonly number[])[];
}

function take(sentences: readonly (readonly number[])[], from: number, budget: number): { tokens: number[]; end: number } {
  const tokens: number[] = [];
  let end = from;
  while (end < sentences.length && (tokens.length === 0 || tokens.length + sentences[end]!.length <= budget)) {
    tokens.push(...sentences[end]!);
    end++;
  }
  return { tokens, end };
}

/** Cuts A and B to `budget` tokens in all, one token at a time from the end of the longer (HF's `longest_first`). */
function truncatePair(a: number[], b: number[], budget: number): void {
  while (a.length + b.length > budget) (a.length >= b.length ? a : b).pop();
}

/**
 * Next-sentence pairs from documents (each a list of sentences, each a list of token ids
 * without specials). Walking each document, segment A is one or more consecutive sentences
 * (up to half the room); with probability ½ segment B is the text that follows A in the
 * same document (IsNext, label 0), otherwise text starting at a random sentence of another
 * document (label 1). The pair becomes `[CLS] A [SEP] B [SEP]` with segment ids 0…0 1…1,
 * truncated longest-first to `maxLength`. Documents with fewer than two sentences are used
 * only as random B text. `singles` are packed into `[CLS] S₁ S₂ … [SEP]` sequences with
 * label -100. Deterministic for a seed; the order of the result is shuffled.
 */
export function nspExamples(documents: readonly (readonly (readonly number[])[])[], options: NspOptions): NspExample[] {
  const { maxLength, ids } = options;
  if (!(Number.isInteger(maxLength) && maxLength >= 5)) throw new ArgumentError(`nspExamples: maxLength must be an integer ≥ 5, got ${maxLength}`);
  const usable = documents.map((d) => d.filter((s) => s.length > 0));
  const sources = usable.map((d, i) => i).filter((i) => usable[i]!.length > 0);
  if (sources.length < 2 && usable.some((d) => d.length >= 2))
    throw new ArgumentError('nspExamples: random next sentences need at least two non-empty documents');
  const rng = new Rng(options.seed);
  const room = maxLength - 3;
  const out: NspExample[] = [];
  usable.forEach((doc, d) => {
    let i = 0;
    while (i < doc.length - 1) {
      const a = take(doc.slice(0, doc.length - 1), i, Math.max(1, Math.floor(room / 2)));
      const isNext = rng.next() < 0.5;
      let b: number[];
      let next: number;
      if (isNext) {
        const t = take(doc, a.end, room - a.tokens.length);
        b = t.tokens;
        next = t.end;
      } else {
        let other = d;
        while (other === d) other = sources[rng.int(sources.length)]!;
        const od = usable[other]!;
        b = take(od, rng.int(od.length), room - a.tokens.length).tokens;
        next = a.end;
      }
      const aTokens = a.tokens;
      truncatePair(aTokens, b, room);
      out.push({
        inputIds: [ids.cls, ...aTokens, ids.sep, ...b, ids.sep],
        tokenTypeIds: [...new Array<number>(aTokens.length + 2).fill(0), ...new Array<number>(b.length + 1).fill(1)],
        nextSentenceLabel: isNext ? 0 : 1,
      });
      i = next;
    }
  });
  const singles = options.singles ?? [];
  let k = 0;
  while (k < singles.length) {
    const t = take(singles, k, maxLength - 2);
    const tokens = t.tokens.slice(0, maxLength - 2);
    out.push({ inputIds: [ids.cls, ...tokens, ids.sep], tokenTypeIds: new Array<number>(tokens.length + 2).fill(0), nextSentenceLabel: -100 });
    k = Math.max(t.end, k + 1);
  }
  for (let j = out.length - 1; j > 0; j--) {
    const r = rng.int(j + 1);
    [out[j], out[r]] = [out[r]!, out[j]!];
  }
  return out;
}

/** Options of `maskTokens`. */
export interface MaskOptions {
  /** Vocabulary size: random replacements are drawn uniformly from [0, vocabSize) less `specialIds`. */
  vocabSize: number;
  /** The `[MASK]` id. */
  maskId: number;
  /** Ids never selected for prediction and never drawn as random replacements (`[CLS]`, `[SEP]`, `[PAD]`, `[MASK]`, …). */
  specialIds: readonly number[];
  /** Selection probability per non-special token (default 0.15). */
  maskProb?: number;
}

/** A masked-LM sequence: the corrupted input and the labels. */
export interface MaskedTokens {
  /** Input with selected tokens replaced: 80% `[MASK]`, 10% a random token, 10% unchanged. */
  inputIds: number[];
  /** The original token at selected positions, -100 elsewhere. */
  labels: number[];
}

/**
 * BERT's masked-LM corruption (as HF's `DataCollatorForLanguageModeling`): each
 * non-special token is selected with probability `maskProb`; a selected token becomes
 * `[MASK]` with probability 0.8, a uniformly drawn non-special token with 0.1, and stays
 * with 0.1. Labels hold the original token at selected positions and -100 elsewhere.
 */
export function maskTokens(inputIds: readonly number[], rng: Rng, options: MaskOptions): MaskedTokens {
  const p = options.maskProb ?? 0.15;
  if (!(p > 0 && p < 1)) throw new ArgumentError(`maskTokens: maskProb must be in (0, 1), got ${p}`);
  const special = new Set(options.specialIds);
  if (special.size >= options.vocabSize) throw new ArgumentError(`maskTokens: no non-special id left in a vocabulary of ${options.vocabSize}`);
  const ids = [...inputIds];
  const labels = new Array<number>(ids.length).fill(-100);
  for (let i = 0; i < ids.length; i++) {
    if (special.has(ids[i]!) || rng.next() >= p) continue;
    labels[i] = ids[i]!;
    const r = rng.next();
    if (r < 0.8) ids[i] = options.maskId;
    else if (r < 0.9) {
      let t: number;
      do t = rng.int(options.vocabSize);
      while (special.has(t));
      ids[i] = t;
    }
  }
  return { inputIds: ids, labels };
}

/** A padded pre-training batch as host arrays (row-major [rows, length]). */
export interface PretrainingArrays {
  rows: number;
  length: number;
  inputIds: Int32Array;
  tokenTypeIds: Int32Array;
  /** 1 = real token, 0 = padding. */
  attentionMask: Uint8Array;
  labels: Int32Array;
  nextSentenceLabel: Int32Array;
  /** Flat positions (row · length + column) whose label is not -100. */
  maskedPositions: Int32Array;
}

/** Pads masked examples to the longest one (`pad` id, mask 0, label -100) and lists the labelled positions. */
export function pretrainingArrays(examples: readonly (NspExample & { labels: readonly number[] })[], pad: number): PretrainingArrays {
  const rows = examples.length;
  const length = Math.max(0, ...examples.map((e) => e.inputIds.length));
  const inputIds = new Int32Array(rows * length).fill(pad);
  const tokenTypeIds = new Int32Array(rows * length);
  const attentionMask = new Uint8Array(rows * length);
  const labels = new Int32Array(rows * length).fill(-100);
  const nextSentenceLabel = new Int32Array(rows);
  const positions: number[] = [];
  examples.forEach((e, r) => {
    const o = r * length;
    inputIds.set(e.inputIds, o);
    tokenTypeIds.set(e.tokenTypeIds, o);
    attentionMask.fill(1, o, o + e.inputIds.length);
    labels.set(e.labels, o);
    e.labels.forEach((l, c) => {
      if (l !== -100) positions.push(o + c);
    });
    nextSentenceLabel[r] = e.nextSentenceLabel;
  });
  return { rows, length, inputIds, tokenTypeIds, attentionMask, labels, nextSentenceLabel, maskedPositions: Int32Array.from(positions) };
}
