/** Fine-tuning helpers: word labels on first sub-tokens, SQuAD windows with a stride, best spans back to character offsets. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Tokenizer } from '@heed/tokenizers';
import { alignWordLabels, bestSpans, contextRange, firstSubTokenPredictions, qaWindows } from '../src/index.js';

const DATA = process.env.HEED_DATA ?? join(import.meta.dirname, '../../../../shared/data');
const tokenizer = Tokenizer.fromJSON(readFileSync(join(DATA, 'vocab/bert-base-uncased/tokenizer.json'), 'utf8'));

interface Squad {
  data: { paragraphs: { context: string; qas: { question: string; answers: { text: string; answer_start: number }[] }[] }[] }[];
}

describe('token classification labels', () => {
  it('put each word label on its first sub-token and -100 elsewhere; predictions map back per word', () => {
    const words = ['EU', 'rejects', 'German', 'call', 'to', 'boycott', 'unbelievably', 'Britishness', '.'];
    const labels = [3, 0, 7, 0, 0, 0, 0, 7, 0];
    const enc = tokenizer.encode(words.join(' '));
    const aligned = alignWordLabels(enc, labels);
    expect(aligned).toHaveLength(enc.length);
    expect(aligned[0]).toBe(-100);
    expect(aligned.at(-1)).toBe(-100);
    expect(aligned.filter((l) => l !== -100)).toEqual(labels);
    // "unbelievably" and "britishness" are split into several pieces; only the first carries the label.
    const pieces = enc.tokens.map((t, i) => [t, aligned[i]] as const).filter(([t]) => t.startsWith('##'));
    expect(pieces.length).toBeGreaterThan(0);
    for (const [, l] of pieces) expect(l).toBe(-100);
    const all = alignWordLabels(enc, labels, { labelAllSubTokens: true });
    expect(all.filter((l) => l !== -100).length).toBe(enc.length - 2);
    const perToken = enc.tokens.map((_, i) => i);
    const back = firstSubTokenPredictions(enc, perToken, words.length);
    expect(back.map((i) => enc.wordIds[i!])).toEqual(words.map((_, w) => w));
    expect(() => alignWordLabels(enc, labels.slice(0, 3))).toThrow(/word 3 but only 3 word labels/);
  });
});

describe('span QA', () => {
  const squad = JSON.parse(readFileSync(join(DATA, 'qa/squad-v1.1/dev-v1.1.shared.json'), 'utf8')) as Squad;
  const examples = squad.data
    .slice(0, 3)
    .flatMap((a) => a.paragraphs.flatMap((p) => p.qas.map((q) => ({ context: p.context, question: q.question, answer: q.answers[0]! }))));

  it('windows with a stride cover the context; the answer is labelled in windows that hold it, [CLS] elsewhere', () => {
    let windows = 0;
    let labelled = 0;
    let exact = 0;
    let multi = 0;
    for (const ex of examples) {
      const answer = { text: ex.answer.text, answerStart: ex.answer.answer_start };
      const ws = qaWindows(tokenizer, ex.question, ex.context, answer, { maxLength: 96, docStride: 32 });
      windows += ws.length;
      if (ws.length > 1) multi++;
      let found = 0;
      for (const w of ws) {
        expect(w.encoding.length).toBeLessThanOrEqual(96);
        const [c0, c1] = contextRange(w.encoding)!;
        if (w.startPosition === 0) {
          expect(w.endPosition).toBe(0);
          const holds = w.encoding.starts[c0]! <= answer.answerStart && w.encoding.ends[c1]! >= answer.answerStart + answer.text.length;
          expect(holds).toBe(false);
          continue;
        }
        found++;
        expect(w.startPosition).toBeGreaterThanOrEqual(c0);
        expect(w.endPosition).toBeLessThanOrEqual(c1);
        const span = ex.context.slice(w.encoding.starts[w.startPosition]!, w.encoding.ends[w.endPosition]!);
        expect(span.toLowerCase()).toContain(answer.text.toLowerCase().trim());
        if (span === answer.text) exact++;
      }
      expect(found).toBeGreaterThanOrEqual(1);
      labelled += found;
      // Consecutive windows overlap: every context token appears in some window.
      const covered = new Set<number>();
      for (const w of ws) {
        const [c0, c1] = contextRange(w.encoding)!;
        for (let i = c0; i <= c1; i++) covered.add(w.encoding.starts[i]!);
      }
      const full = tokenizer.encode(ex.context);
      expect(covered.size).toBe(new Set(full.starts.slice(1, -1)).size);
    }
    expect(multi).toBeGreaterThan(50);
    expect(exact / labelled).toBeGreaterThan(0.97);
    console.log(
      `QA windows: ${examples.length} questions, ${windows} windows, ${labelled} holding the answer, ${exact} token spans equal to the answer text`,
    );
  });

  it('bestSpans: probability-product scores across windows, maximum answer length, character offsets', () => {
    let right = 0;
    for (const ex of examples.slice(0, 120)) {
      const answer = { text: ex.answer.text, answerStart: ex.answer.answer_start };
      const ws = qaWindows(tokenizer, ex.question, ex.context, answer, { maxLength: 96, docStride: 32 });
      // Logits that point at the labelled span where there is one, flat elsewhere.
      const starts = ws.map((w) => Array.from({ length: w.encoding.length }, (_, i) => (w.startPosition > 0 && i === w.startPosition ? 8 : 0)));
      const ends = ws.map((w) => Array.from({ length: w.encoding.length }, (_, i) => (w.startPosition > 0 && i === w.endPosition ? 8 : 0)));
      const [top] = bestSpans(
        ex.context,
        ws.map((w) => w.encoding),
        starts,
        ends,
        { maxAnswerLength: 30 },
      );
      const w = ws.find((x) => x.startPosition > 0)!;
      const [start, end] = [w.encoding.starts[w.startPosition]!, w.encoding.ends[w.endPosition]!];
      if (top!.start === start && top!.end === end && top!.answer === ex.context.slice(start, end)) right++;
    }
    expect(right).toBe(120);

    // A hand-checked case: one window, tokens 0 ([CLS]) and 1 (question) are not context.
    const enc = { length: 6, sequenceIds: [null, 0, 1, 1, 1, null], starts: [0, 0, 0, 4, 9, 0], ends: [0, 3, 3, 8, 12, 0] };
    const s = [9, 9, 1, 2, 0, 9];
    const e = [9, 9, 0, 1, 3, 9];
    const spans = bestSpans('abc defg hij', [enc], [s], [e], { topK: 3, maxAnswerLength: 2 });
    const z = (v: number[]): number[] => {
      const x = v.map(Math.exp);
      const sum = x.reduce((a, b) => a + b, 0);
      return x.map((t) => t / sum);
    };
    const ps = z([1, 2, 0]);
    const pe = z([0, 1, 3]);
    const text = 'abc defg hij';
    const words = ['abc', 'defg', 'hij'];
    const all: [string, number][] = [];
    for (let i = 0; i < 3; i++) for (let j = i; j < Math.min(3, i + 2); j++) all.push([words.slice(i, j + 1).join(' '), ps[i]! * pe[j]!]);
    all.sort((a, b) => b[1] - a[1]);
    expect(spans.map((sp) => sp.answer)).toEqual(all.slice(0, 3).map(([t]) => t));
    spans.forEach((sp, k) => expect(sp.score).toBeCloseTo(all[k]![1], 12));
    expect(spans[0]).toMatchObject({ answer: 'defg hij', start: 4, end: 12, window: 0 });
    expect(text.slice(spans[0]!.start, spans[0]!.end)).toBe('defg hij');
    // maxAnswerLength 2 rules out the three-token span; 3 lets it in with its own score.
    expect(bestSpans(text, [enc], [s], [e], { topK: 10, maxAnswerLength: 2 }).map((sp) => sp.answer)).not.toContain(text);
    const longer = bestSpans(text, [enc], [s], [e], { topK: 10, maxAnswerLength: 3 });
    expect(longer).toHaveLength(6);
    expect(longer.find((sp) => sp.answer === text)!.score).toBeCloseTo(ps[0]! * pe[2]!, 12);
  });
});
