/**
 * Postprocess of `token-classification`, as Hugging Face's `TokenClassificationPipeline`
 * defines it: per-token softmax, then one of the aggregation strategies
 *
 * - `none`: every token with its best label (`{entity, score, index, word, start, end}`);
 * - `simple`: tokens grouped into entities by their B-/I- tags (`{entity_group, score,
 *   word, start, end}`, score = mean of the token scores);
 * - `first`, `average`, `max`: tokens first merged into words (a subword joins the word
 *   before it) whose label is the first token's, the one of the averaged scores, or the
 *   one of the token with the highest score; the words are then grouped as in `simple`;
 *
 * with labels in `ignoreLabels` (default `O`) left out, and, when a long text was split
 * into windows, overlapping entities resolved (the longer, then the higher scoring, wins).
 * Offsets are UTF-16 positions in the original text.
 */
import { TaskInputError } from '../errors.js';
import { argmax, labelOf, softmaxRow } from './scores.js';

/** HF's aggregation strategies. */
export type AggregationStrategy = 'none' | 'simple' | 'first' | 'average' | 'max';

/** A token-level prediction (aggregation `none`). */
export interface TokenPrediction {
  entity: string;
  score: number;
  /** Position of the token in its window's encoding (special tokens included). */
  index: number;
  word: string;
  start: number;
  end: number;
}

/** An entity group (every other aggregation). */
export interface EntityGroup {
  entity_group: string;
  score: number;
  word: string;
  start: number;
  end: number;
}

/** One window of encoded text with its logits `[tokens, numLabels]`. */
export interface TokenWindow {
  ids: readonly number[];
  tokens: readonly string[];
  starts: readonly number[];
  ends: readonly number[];
  /** 1 for special tokens (and padding), which are skipped. */
  specialTokensMask: readonly number[];
  /** Logits of every token of the window, row-major. */
  logits: ArrayLike<number>;
}

/** What the postprocess needs to know about the tokenizer. */
export interface TokenizerInfo {
  /** The model's continuing-subword prefix (`##` for WordPiece), or null (then the space heuristic is used). */
  subwordPrefix: string | null;
  /** Id of the unknown token, or null. */
  unkId: number | null;
  /** Joins tokens into text (the tokenizer's decoder, HF's `convert_tokens_to_string`). */
  tokensToString(tokens: readonly string[]): string;
}

/** Options of {@link postprocessTokenClassification}. */
export interface TokenClassificationPostOptions {
  /** Default `none`. */
  aggregation?: AggregationStrategy;
  /** Labels (or groups) left out of the output; default `['O']`. */
  ignoreLabels?: readonly string[];
}

interface PreEntity {
  word: string;
  scores: Float64Array;
  start: number;
  end: number;
  index: number;
  isSubword: boolean;
}

interface WordEntity {
  entity: string;
  score: number;
  word: string;
  start: number;
  end: number;
  index?: number;
}

function gatherPreEntities(text: string, w: TokenWindow, numLabels: number, info: TokenizerInfo): PreEntity[] {
  const out: PreEntity[] = [];
  for (let i = 0; i < w.ids.length; i++) {
    if (w.specialTokensMask[i]) continue;
    const start = w.starts[i]!;
    const end = w.ends[i]!;
    const ref = text.slice(start, end);
    let word = w.tokens[i]!;
    let isSubword = info.subwordPrefix !== null ? word.length !== ref.length : start > 0 && !text.slice(start - 1, start + 1).includes(' ');
    if (info.unkId !== null && w.ids[i] === info.unkId) {
      word = ref;
      isSubword = false;
    }
    out.push({ word, scores: softmaxRow(w.logits, i * numLabels, numLabels), start, end, index: i, isSubword });
  }
  return out;
}

function aggregateWord(group: PreEntity[], strategy: AggregationStrategy, labels: readonly string[] | undefined, info: TokenizerInfo): WordEntity {
  let scores: ArrayLike<number>;
  if (strategy === 'first') scores = group[0]!.scores;
  else if (strategy === 'max') {
    let best = group[0]!;
    for (const e of group) if (Math.max(...e.scores) > Math.max(...best.scores)) best = e;
    scores = best.scores;
  } else {
    const avg = new Float64Array(group[0]!.scores.length);
    for (const e of group) e.scores.forEach((v, k) => (avg[k]! += v / group.length));
    scores = avg;
  }
  const best = argmax(scores);
  return {
    entity: labelOf(labels, best),
    score: scores[best]!,
    word: info.tokensToString(group.map((e) => e.word)),
    start: group[0]!.start,
    end: group[group.length - 1]!.end,
  };
}

function aggregateWords(pre: PreEntity[], strategy: AggregationStrategy, labels: readonly string[] | undefined, info: TokenizerInfo): WordEntity[] {
  const out: WordEntity[] = [];
  let group: PreEntity[] | null = null;
  for (const e of pre) {
    if (group === null) group = [e];
    else if (e.isSubword) group.push(e);
    else {
      out.push(aggregateWord(group, strategy, labels, info));
      group = [e];
    }
  }
  if (group !== null) out.push(aggregateWord(group, strategy, labels, info));
  return out;
}

/** HF's `get_tag`: `B-X` → [B, X], `I-X` → [I, X], anything else → [I, itself]. */
function bioTag(name: string): [string, string] {
  if (name.startsWith('B-')) return ['B', name.slice(2)];
  if (name.startsWith('I-')) return ['I', name.slice(2)];
  return ['I', name];
}

function groupSubEntities(es: WordEntity[], info: TokenizerInfo): EntityGroup {
  const first = es[0]!.entity;
  const dash = first.indexOf('-');
  return {
    entity_group: dash < 0 ? first : first.slice(dash + 1),
    score: es.reduce((s, e) => s + e.score, 0) / es.length,
    word: info.tokensToString(es.map((e) => e.word)),
    start: es[0]!.start,
    end: es[es.length - 1]!.end,
  };
}

/** HF's `group_entities`: adjacent entities of one type merge unless the next one is a `B-`. */
export function groupEntities(entities: readonly WordEntity[], info: TokenizerInfo): EntityGroup[] {
  const groups: EntityGroup[] = [];
  let cur: WordEntity[] = [];
  for (const e of entities) {
    if (cur.length === 0) {
      cur.push(e);
      continue;
    }
    const [bi, tag] = bioTag(e.entity);
    const [, lastTag] = bioTag(cur[cur.length - 1]!.entity);
    if (tag === lastTag && bi !== 'B') cur.push(e);
    else {
      groups.push(groupSubEntities(cur, info));
      cur = [e];
    }
  }
  if (cur.length > 0) groups.push(groupSubEntities(cur, info));
  return groups;
}

/** HF's `aggregate_overlapping_entities`: of entities overlapping in the text, keep the longer (then the higher scoring). */
export function resolveOverlaps<E extends { start: number; end: number; score: number }>(entities: readonly E[]): E[] {
  if (entities.length === 0) return [];
  const sorted = [...entities].sort((a, b) => a.start - b.start);
  const out: E[] = [];
  let prev = sorted[0]!;
  for (const e of sorted) {
    if (prev.start <= e.start && e.start < prev.end) {
      const len = e.end - e.start;
      const prevLen = prev.end - prev.start;
      if (len > prevLen || (len === prevLen && e.score > prev.score)) prev = e;
    } else {
      out.push(prev);
      prev = e;
    }
  }
  out.push(prev);
  return out;
}

/**
 * The entities of one text from its windows (one window unless the text was split with a
 * stride). `labels[i]` names class i (HF's `id2label`).
 */
export function postprocessTokenClassification(
  text: string,
  windows: readonly TokenWindow[],
  numLabels: number,
  labels: readonly string[] | undefined,
  info: TokenizerInfo,
  options: TokenClassificationPostOptions = {},
): Array<TokenPrediction | EntityGroup> {
  const strategy = options.aggregation ?? 'none';
  if (!['none', 'simple', 'first', 'average', 'max'].includes(strategy)) {
    throw new TaskInputError(`token-classification: aggregation must be none, simple, first, average or max, got ${JSON.stringify(strategy)}`);
  }
  const ignore = new Set(options.ignoreLabels ?? ['O']);
  let all: Array<TokenPrediction | EntityGroup> = [];
  for (const w of windows) {
    if (w.logits.length !== w.ids.length * numLabels) {
      throw new TaskInputError(`token-classification: ${w.logits.length} logits for ${w.ids.length} tokens of ${numLabels} labels`);
    }
    const pre = gatherPreEntities(text, w, numLabels, info);
    let entities: Array<TokenPrediction | EntityGroup>;
    if (strategy === 'none' || strategy === 'simple') {
      const tokens: TokenPrediction[] = pre.map((p) => {
        const best = argmax(p.scores);
        return { entity: labelOf(labels, best), score: p.scores[best]!, index: p.index, word: p.word, start: p.start, end: p.end };
      });
      entities = strategy === 'none' ? tokens : groupEntities(tokens, info);
    } else entities = groupEntities(aggregateWords(pre, strategy, labels, info), info);
    all = all.concat(entities.filter((e) => !ignore.has('entity' in e ? e.entity : e.entity_group)));
  }
  return windows.length > 1 ? resolveOverlaps(all) : all;
}
