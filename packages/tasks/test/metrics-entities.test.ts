/** conlleval's chunk rules (IOB1 and IOB2) and entity-level scores, on hand-computed cases. */
import { describe, expect, it } from 'vitest';
import { chunks, entityScores } from '../src/metrics/index.js';
import { TaskInputError } from '../src/errors.js';

describe('conlleval chunks', () => {
  it('IOB2: every chunk starts with B-', () => {
    expect(chunks(['B-PER', 'I-PER', 'O', 'B-LOC', 'B-LOC', 'I-LOC'])).toEqual([
      { type: 'PER', start: 0, end: 2 },
      { type: 'LOC', start: 3, end: 4 },
      { type: 'LOC', start: 4, end: 6 },
    ]);
  });

  it('IOB1: I- starts a chunk; B- only separates adjacent chunks of one type; a type change starts one', () => {
    expect(chunks(['I-PER', 'I-PER', 'B-PER', 'O', 'I-LOC', 'I-ORG', 'I-ORG'])).toEqual([
      { type: 'PER', start: 0, end: 2 },
      { type: 'PER', start: 2, end: 3 },
      { type: 'LOC', start: 4, end: 5 },
      { type: 'ORG', start: 5, end: 7 },
    ]);
  });

  it('ill-formed IOB2 (I- after O or after another type) is read as conlleval reads it', () => {
    expect(chunks(['O', 'I-MISC', 'B-PER', 'I-LOC'])).toEqual([
      { type: 'MISC', start: 1, end: 2 },
      { type: 'PER', start: 2, end: 3 },
      { type: 'LOC', start: 3, end: 4 },
    ]);
    expect(chunks([])).toEqual([]);
    expect(chunks(['O', 'O'])).toEqual([]);
  });
});

describe('entity scores', () => {
  it('by hand over two sentences, with per-type counts', () => {
    const gold = [
      ['B-PER', 'I-PER', 'O', 'B-LOC'],
      ['B-ORG', 'O', 'B-PER'],
    ];
    const pred = [
      ['B-PER', 'I-PER', 'O', 'B-ORG'], // PER right, ORG spurious, LOC missed
      ['B-ORG', 'I-ORG', 'B-PER'], // ORG boundary wrong, PER right
    ];
    const s = entityScores(pred, gold);
    expect([s.referenceChunks, s.predictedChunks, s.correctChunks]).toEqual([4, 4, 2]);
    expect(s.precision).toBe(0.5);
    expect(s.recall).toBe(0.5);
    expect(s.f1).toBe(0.5);
    expect(s.accuracy).toBeCloseTo(5 / 7, 15);
    expect(s.perType.PER).toEqual({ precision: 1, recall: 1, f1: 1, referenceChunks: 2, predictedChunks: 2, correctChunks: 2 });
    expect(s.perType.ORG).toEqual({ precision: 0, recall: 0, f1: 0, referenceChunks: 1, predictedChunks: 2, correctChunks: 0 });
    expect(s.perType.LOC).toEqual({ precision: 0, recall: 0, f1: 0, referenceChunks: 1, predictedChunks: 0, correctChunks: 0 });
  });

  it('IOB1 predictions against IOB2 references with the same chunks score 1', () => {
    const s = entityScores([['I-PER', 'I-PER', 'B-PER', 'O']], [['B-PER', 'I-PER', 'B-PER', 'O']]);
    expect(s.f1).toBe(1);
    expect(s.accuracy).toBe(0.75);
  });

  it('precision 2/3, recall 1: F1 0.8; sentence ends close chunks', () => {
    const s = entityScores([['B-X', 'B-Y'], ['I-X']], [['B-X', 'O'], ['B-X']]);
    expect(s.precision).toBeCloseTo(2 / 3, 15);
    expect(s.recall).toBe(1);
    expect(s.f1).toBeCloseTo(0.8, 15);
    expect(() => entityScores([['O']], [['O', 'O']])).toThrow(TaskInputError);
    expect(() => entityScores([], [['O']])).toThrow(/0 predicted sentences but 1/);
  });
});
