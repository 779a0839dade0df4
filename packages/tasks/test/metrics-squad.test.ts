/** SQuAD v1.1 exact match and F1 with the official normalisation, on hand-computed cases. */
import { describe, expect, it } from 'vitest';
import { normalizeAnswer, squadExactMatch, squadF1, squadScores } from '../src/metrics/index.js';
import { TaskInputError } from '../src/errors.js';

describe('SQuAD v1.1 metrics', () => {
  it.each([
    ['The Cat, sat!', 'cat sat'],
    ['an apple a day', 'apple day'],
    ['Theater and anthem', 'theater and anthem'],
    ['théa the', 'théa'],
    ['  Denver\tBroncos ', 'denver broncos'],
    ['“curly” quotes—kept', '“curly” quotes—kept'],
    ['a_the', 'athe'],
  ])('normalizes %j to %j', (text, expected) => {
    expect(normalizeAnswer(text)).toBe(expected);
  });

  it('exact match and token F1 by hand', () => {
    expect(squadExactMatch('the Denver Broncos', 'Denver Broncos')).toBe(1);
    expect(squadF1('Denver', 'Denver Broncos')).toBeCloseTo(2 / 3, 15);
    // common = {a: 0 (article), b: 1}: prediction "b b c" vs gold "b d": precision 1/3, recall 1/2.
    expect(squadF1('b b c', 'b d')).toBeCloseTo((2 * (1 / 3) * (1 / 2)) / (1 / 3 + 1 / 2), 15);
    expect(squadF1('the', 'a')).toBe(0);
  });

  it('scores: best over gold answers, unanswered questions count as 0', () => {
    const refs = [
      { id: 'q1', answers: ['Denver Broncos', 'Broncos'] },
      { id: 'q2', answers: ['Santa Clara, California'] },
      { id: 'q3', answers: ['1966'] },
    ];
    const s = squadScores(refs, { q1: 'Broncos', q2: 'Santa Clara' });
    expect(s.exactMatch).toBeCloseTo(100 / 3, 12);
    // q1 1, q2 precision 1 recall 2/3 -> 0.8, q3 0.
    expect(s.f1).toBeCloseTo((100 * (1 + 0.8)) / 3, 12);
    expect(s.unanswered).toBe(1);
    expect(squadScores(refs, new Map([['q3', '1966']])).exactMatch).toBeCloseTo(100 / 3, 12);
    expect(() => squadScores([{ id: 'x', answers: [] }], {})).toThrow(TaskInputError);
  });
});
