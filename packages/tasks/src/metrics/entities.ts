/**
 * Entity-level precision, recall and F1 as conlleval computes them. Chunks are found with
 * conlleval's start/end rules, which read IOB1 (`I-` starts a chunk after `O` or after
 * another type; `B-` only separates adjacent chunks of one type) and IOB2 (every chunk
 * starts with `B-`) alike, and also IOE and the bracket tags. A predicted chunk counts as
 * correct when its start, end and type equal a reference chunk's. Values are fractions.
 */
import { TaskInputError } from '../errors.js';
import type { PrecisionRecallF1 } from './classification.js';

/** A chunk: `[start, end)` token positions and its type. */
export interface Chunk {
  type: string;
  start: number;
  end: number;
}

/** The result of {@link entityScores}: overall and per type, with conlleval's counts. */
export interface EntityScores extends PrecisionRecallF1 {
  /** Token-level accuracy (conlleval's "accuracy"). */
  accuracy: number;
  /** Chunks in the references (conlleval's "phrases"). */
  referenceChunks: number;
  /** Chunks in the predictions ("found"). */
  predictedChunks: number;
  /** Predicted chunks that are correct. */
  correctChunks: number;
  /** Scores per chunk type, with the same counts. */
  perType: Record<string, PrecisionRecallF1 & { referenceChunks: number; predictedChunks: number; correctChunks: number }>;
}

/** Splits a tag `B-PER` into conlleval's `[prefix, type]` (`O` has the empty type). */
function splitTag(tag: string): [string, string] {
  const i = tag.indexOf('-');
  return i < 0 ? [tag, ''] : [tag.slice(0, i), tag.slice(i + 1)];
}

function endOfChunk(prevTag: string, tag: string, prevType: string, type: string): boolean {
  if (prevTag === 'B' && (tag === 'B' || tag === 'O')) return true;
  if (prevTag === 'I' && (tag === 'B' || tag === 'O')) return true;
  if (prevTag === 'E' && (tag === 'E' || tag === 'I' || tag === 'O')) return true;
  if (prevTag !== 'O' && prevTag !== '.' && prevType !== type) return true;
  return prevTag === ']' || prevTag === '[';
}

function startOfChunk(prevTag: string, tag: string, prevType: string, type: string): boolean {
  if (tag === 'B' && (prevTag === 'B' || prevTag === 'I' || prevTag === 'O')) return true;
  if (prevTag === 'O' && (tag === 'I' || tag === 'E')) return true;
  if (prevTag === 'E' && (tag === 'E' || tag === 'I')) return true;
  if (tag !== 'O' && tag !== '.' && prevType !== type) return true;
  return tag === '[' || tag === ']';
}

/** The chunks of one sentence's tags, by conlleval's rules (IOB1, IOB2, IOE, brackets). */
export function chunks(tags: readonly string[]): Chunk[] {
  const out: Chunk[] = [];
  let prevTag = 'O';
  let prevType = '';
  let open: Chunk | null = null;
  for (let i = 0; i <= tags.length; i++) {
    const [tag, type] = i < tags.length ? splitTag(tags[i]!) : ['O', ''];
    if (open !== null && endOfChunk(prevTag, tag, prevType, type)) {
      open.end = i;
      out.push(open);
      open = null;
    }
    if (i < tags.length && startOfChunk(prevTag, tag, prevType, type)) {
      // A start without an end (odd tag sequences): conlleval counts both chunks, so close the open one here.
      if (open !== null) {
        open.end = i;
        out.push(open);
      }
      open = { type, start: i, end: i + 1 };
    }
    prevTag = tag;
    prevType = type;
  }
  return out;
}

/**
 * conlleval's precision, recall and F1 over sentences: `predictions[s][t]` and
 * `references[s][t]` are the tags of token t of sentence s (sentence ends close chunks).
 * Throws {@link TaskInputError} when the sentence or token counts differ.
 */
export function entityScores(predictions: readonly (readonly string[])[], references: readonly (readonly string[])[]): EntityScores {
  if (predictions.length !== references.length) {
    throw new TaskInputError(`entityScores: ${predictions.length} predicted sentences but ${references.length} reference sentences`);
  }
  const per = new Map<string, [number, number, number]>();
  const bump = (type: string, k: 0 | 1 | 2): void => {
    const c = per.get(type) ?? [0, 0, 0];
    c[k]++;
    per.set(type, c);
  };
  let tokens = 0;
  let correctTags = 0;
  for (let s = 0; s < predictions.length; s++) {
    const p = predictions[s]!;
    const r = references[s]!;
    if (p.length !== r.length) throw new TaskInputError(`entityScores: sentence ${s} has ${p.length} predicted tags but ${r.length} reference tags`);
    for (let t = 0; t < p.length; t++) {
      tokens++;
      if (p[t] === r[t]) correctTags++;
    }
    const gold = new Set<string>();
    for (const c of chunks(r)) {
      gold.add(`${c.start}:${c.end}:${c.type}`);
      bump(c.type, 0);
    }
    for (const c of chunks(p)) {
      bump(c.type, 1);
      if (gold.has(`${c.start}:${c.end}:${c.type}`)) bump(c.type, 2);
    }
  }
  const score = (ref: number, pred: number, ok: number): PrecisionRecallF1 => {
    const precision = pred === 0 ? 0 : ok / pred;
    const recall = ref === 0 ? 0 : ok / ref;
    return { precision, recall, f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall) };
  };
  let ref = 0;
  let pred = 0;
  let ok = 0;
  const perType: EntityScores['perType'] = {};
  for (const type of [...per.keys()].sort()) {
    const [a, b, c] = per.get(type)!;
    ref += a;
    pred += b;
    ok += c;
    perType[type] = { ...score(a, b, c), referenceChunks: a, predictedChunks: b, correctChunks: c };
  }
  return {
    ...score(ref, pred, ok),
    accuracy: tokens === 0 ? 0 : correctTags / tokens,
    referenceChunks: ref,
    predictedChunks: pred,
    correctChunks: ok,
    perType,
  };
}
