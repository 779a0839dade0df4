/** Accuracy and F1 (binary, macro, micro) on hand-computed cases and scikit-learn's documented example. */
import { describe, expect, it } from 'vitest';
import { accuracy, f1Score, precisionRecallF1 } from '../src/metrics/index.js';
import { TaskInputError } from '../src/errors.js';

describe('classification metrics', () => {
  const pred = [1, 0, 1, 1, 0, 1];
  const gold = [1, 0, 0, 1, 1, 1];

  it('accuracy and binary F1 by hand', () => {
    expect(accuracy(pred, gold)).toBeCloseTo(4 / 6, 15);
    // label 1: tp 3, predicted 4, actual 4.
    expect(precisionRecallF1(pred, gold)).toEqual({ precision: 0.75, recall: 0.75, f1: 0.75 });
    // label 0 as the positive one: tp 1, predicted 2, actual 2.
    expect(f1Score(pred, gold, { positiveLabel: 0 })).toBe(0.5);
    expect(f1Score(pred, gold, { average: 'macro' })).toBeCloseTo(0.625, 15);
    expect(f1Score(pred, gold, { average: 'micro' })).toBeCloseTo(4 / 6, 15);
  });

  it('macro and micro over string labels by hand', () => {
    const p = ['a', 'b', 'c', 'a'];
    const g = ['a', 'c', 'c', 'b'];
    const macro = precisionRecallF1(p, g, { average: 'macro' });
    expect(macro.precision).toBeCloseTo((0.5 + 0 + 1) / 3, 15);
    expect(macro.recall).toBeCloseTo((1 + 0 + 0.5) / 3, 15);
    expect(macro.f1).toBeCloseTo((2 / 3 + 0 + 2 / 3) / 3, 15);
    expect(precisionRecallF1(p, g, { average: 'micro' })).toEqual({ precision: 0.5, recall: 0.5, f1: 0.5 });
  });

  it("scikit-learn's f1_score example: macro 0.2667, micro 0.3333", () => {
    const yTrue = [0, 1, 2, 0, 1, 2];
    const yPred = [0, 2, 1, 0, 0, 1];
    expect(f1Score(yPred, yTrue, { average: 'macro' })).toBeCloseTo(0.26666666666666666, 15);
    expect(f1Score(yPred, yTrue, { average: 'micro' })).toBeCloseTo(0.3333333333333333, 15);
  });

  it('zero denominators give 0; bad input gets typed errors', () => {
    expect(precisionRecallF1([0, 0], [0, 0])).toEqual({ precision: 0, recall: 0, f1: 0 });
    expect(accuracy([], [])).toBe(0);
    expect(() => accuracy([1], [1, 0])).toThrow(TaskInputError);
    expect(() => f1Score([0, 1, 2], [0, 1, 2])).toThrow(/binary" needs at most 2 labels, got 3/);
  });
});
