/** BERT pre-training data: NSP pairs (50/50, from the same or another document), segments, truncation, MLM 15% / 80-10-10, statistically. */
import { describe, expect, it } from 'vitest';
import { Rng } from '@heed/core';
import { maskTokens, nspExamples, pretrainingArrays, type NspExample } from '../src/index.js';

const ids = { cls: 2, sep: 3, mask: 4, pad: 0 };
const V = 5000;
/** Token id of document d, sentence s (every token of a sentence has it, so pairs can be traced). */
const tok = (d: number, s: number): number => 100 + d * 40 + s;
const docOf = (t: number): number => Math.floor((t - 100) / 40);
const sentOf = (t: number): number => (t - 100) % 40;

function corpus(seed: number, docs = 120): number[][][] {
  const rng = new Rng(seed);
  return Array.from({ length: docs }, (_, d) =>
    Array.from({ length: 2 + rng.int(30) }, (_, s) => new Array<number>(3 + rng.int(25)).fill(tok(d, s))),
  );
}

function segments(e: NspExample): { a: number[]; b: number[] } {
  const first = e.inputIds.indexOf(ids.sep);
  return { a: e.inputIds.slice(1, first), b: e.inputIds.slice(first + 1, -1) };
}

describe('next-sentence pairs', () => {
  const docs = corpus(1);
  const singles = Array.from({ length: 300 }, (_, i) => new Array<number>(4 + (i % 9)).fill(4000 + i));
  const examples = nspExamples(docs, { maxLength: 64, seed: 7, ids, singles });

  it('[CLS] A [SEP] B [SEP] with segment ids, within maxLength; IsNext continues the document, NotNext comes from another', () => {
    const pairs = examples.filter((e) => e.nextSentenceLabel !== -100);
    expect(pairs.length).toBeGreaterThan(500);
    for (const e of pairs) {
      expect(e.inputIds.length).toBeLessThanOrEqual(64);
      expect(e.inputIds[0]).toBe(ids.cls);
      expect(e.inputIds.at(-1)).toBe(ids.sep);
      const { a, b } = segments(e);
      expect(a.length).toBeGreaterThan(0);
      expect(b.length).toBeGreaterThan(0);
      expect(e.tokenTypeIds).toEqual([...new Array(a.length + 2).fill(0), ...new Array(b.length + 1).fill(1)]);
      const aDoc = docOf(a[0]!);
      expect(a.every((t) => docOf(t) === aDoc)).toBe(true);
      if (e.nextSentenceLabel === 0) {
        expect(docOf(b[0]!)).toBe(aDoc);
        expect(sentOf(b[0]!)).toBeGreaterThan(sentOf(a.at(-1)!));
        // B starts right after A's last whole sentence (A may have lost tokens at its end to truncation).
        expect(sentOf(b[0]!) - sentOf(a.at(-1)!)).toBeLessThanOrEqual(e.inputIds.length === 64 ? 30 : 1);
      } else {
        expect(docOf(b[0]!)).not.toBe(aDoc);
      }
    }
    const isNext = pairs.filter((e) => e.nextSentenceLabel === 0).length;
    const sd = Math.sqrt(pairs.length * 0.25);
    expect(Math.abs(isNext - pairs.length / 2)).toBeLessThan(4 * sd);
    // Long pairs are truncated longest-first: some reach exactly maxLength.
    expect(pairs.some((e) => e.inputIds.length === 64)).toBe(true);
  });

  it('packs single sentences into single-segment sequences without an NSP label, every sentence once', () => {
    const packed = examples.filter((e) => e.nextSentenceLabel === -100);
    const seen = packed.flatMap((e) => [...new Set(e.inputIds.slice(1, -1))]);
    expect(seen.sort((x, y) => x - y)).toEqual(singles.map((s) => s[0]!));
    for (const e of packed) {
      expect(e.inputIds.length).toBeLessThanOrEqual(64);
      expect(e.tokenTypeIds.every((t) => t === 0)).toBe(true);
    }
  });

  it('is deterministic for a seed and differs across seeds', () => {
    expect(nspExamples(docs, { maxLength: 64, seed: 7, ids, singles })).toEqual(examples);
    expect(nspExamples(docs, { maxLength: 64, seed: 8, ids, singles })).not.toEqual(examples);
  });
});

describe('masked LM', () => {
  it('selects 15% of non-special tokens; 80% [MASK], 10% random, 10% kept; -100 elsewhere (≥ 100k tokens)', () => {
    const examples = nspExamples(corpus(3, 400), { maxLength: 128, seed: 5, ids });
    const rng = new Rng(9);
    const special = [ids.cls, ids.sep, ids.pad, ids.mask];
    let tokens = 0;
    let selected = 0;
    let masked = 0;
    let kept = 0;
    let random = 0;
    const randomIds = new Map<number, number>();
    for (const e of examples) {
      const m = maskTokens(e.inputIds, rng, { vocabSize: V, maskId: ids.mask, specialIds: special });
      e.inputIds.forEach((orig, i) => {
        const label = m.labels[i]!;
        if (special.includes(orig)) {
          expect(label).toBe(-100);
          expect(m.inputIds[i]).toBe(orig);
          return;
        }
        tokens++;
        if (label === -100) {
          expect(m.inputIds[i]).toBe(orig);
          return;
        }
        expect(label).toBe(orig);
        selected++;
        const now = m.inputIds[i]!;
        if (now === ids.mask) masked++;
        else if (now === orig) kept++;
        else {
          random++;
          expect(special).not.toContain(now);
          randomIds.set(now, (randomIds.get(now) ?? 0) + 1);
        }
      });
    }
    expect(tokens).toBeGreaterThan(100_000);
    const within = (count: number, n: number, p: number): void => expect(Math.abs(count - n * p)).toBeLessThan(4.5 * Math.sqrt(n * p * (1 - p)));
    within(selected, tokens, 0.15);
    within(masked, selected, 0.8);
    // A random draw equals the original with probability 1/(V − 4): counted as kept.
    within(kept, selected, 0.1 + 0.1 / (V - 4));
    within(random, selected, 0.1 * (1 - 1 / (V - 4)));
    // Random replacements spread over the vocabulary: both halves get their share.
    const low = [...randomIds].filter(([t]) => t < V / 2).reduce((n, [, c]) => n + c, 0);
    within(low, random, (V / 2 - 5) / (V - 4));
    console.log(
      `MLM: ${tokens} tokens, ${(selected / tokens).toFixed(4)} selected; of those ${(masked / selected).toFixed(4)} [MASK], ` +
        `${(random / selected).toFixed(4)} random, ${(kept / selected).toFixed(4)} kept`,
    );
  });

  it('batches pad with -100 labels and list the labelled positions', () => {
    const ex = [
      { inputIds: [2, 10, 4, 3], tokenTypeIds: [0, 0, 0, 0], labels: [-100, -100, 11, -100], nextSentenceLabel: 0 },
      { inputIds: [2, 4, 3, 12, 3, 7], tokenTypeIds: [0, 0, 0, 1, 1, 1], labels: [-100, 13, -100, -100, -100, -100], nextSentenceLabel: 1 },
    ];
    const a = pretrainingArrays(ex, 0);
    expect([a.rows, a.length]).toEqual([2, 6]);
    expect(Array.from(a.inputIds)).toEqual([2, 10, 4, 3, 0, 0, 2, 4, 3, 12, 3, 7]);
    expect(Array.from(a.attentionMask)).toEqual([1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1]);
    expect(Array.from(a.labels)).toEqual([-100, -100, 11, -100, -100, -100, -100, 13, -100, -100, -100, -100]);
    expect(Array.from(a.maskedPositions)).toEqual([2, 7]);
    expect(Array.from(a.nextSentenceLabel)).toEqual([0, 1]);
  });
});
