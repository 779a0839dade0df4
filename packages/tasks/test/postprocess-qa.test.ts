/** question-answering postprocess: span scores, masks, maximum length, word alignment, windows, top-k; by hand. */
import { describe, expect, it } from 'vitest';
import { postprocessQuestionAnswering, type QaWindow } from '../src/postprocess/index.js';
import { TaskInputError } from '../src/errors.js';

const CONTEXT = 'The capital is Paris city';
const E = Math.exp;
/** [CLS] what ? [SEP] the capital is par ##is city [SEP], question tokens carry large logits that must be masked. */
function windowOf(ctxStart: number[], ctxEnd: number[], cls = 5): QaWindow {
  return {
    startLogits: [cls, 9, 9, 0, ...ctxStart, 9],
    endLogits: [cls, 9, 9, 0, ...ctxEnd, 9],
    sequenceIds: [null, 0, 0, null, 1, 1, 1, 1, 1, 1, null],
    wordIds: [null, 0, 1, null, 0, 1, 2, 3, 3, 4, null],
    starts: [0, 0, 4, 0, 0, 4, 12, 15, 18, 21, 0],
    ends: [0, 4, 5, 0, 3, 11, 14, 18, 20, 25, 0],
    clsIndex: 0,
  };
}

describe('question-answering postprocess', () => {
  const w = windowOf([0, 0, 0, 3, 0, 0], [0, 0, 0, 0, 3, 1]);
  // Softmax over [CLS] and the context only: question and [SEP] tokens are masked.
  const zs = E(5) + 5 + E(3);
  const ze = E(5) + 4 + E(3) + E(1);

  it('best span p(start)·p(end), widened to whole words ("par ##is" -> "Paris")', () => {
    expect(postprocessQuestionAnswering(CONTEXT, [w])).toEqual([
      { score: expect.closeTo((E(3) / zs) * (E(3) / ze), 14), start: 15, end: 20, answer: 'Paris' },
    ]);
  });

  it('top-k in score order', () => {
    const out = postprocessQuestionAnswering(CONTEXT, [w], { topK: 2 });
    expect(out.map((a) => a.answer)).toEqual(['Paris', 'Paris city']);
    expect(out[1]!.score).toBeCloseTo((E(3) / zs) * (E(1) / ze), 14);
  });

  it('maximum answer length in tokens', () => {
    const long = windowOf([0, 4, 0, 0, 0, 0], [0, 0, 2, 0, 0, 4]);
    expect(postprocessQuestionAnswering(CONTEXT, [long])[0]!.answer).toBe('capital is Paris city');
    expect(postprocessQuestionAnswering(CONTEXT, [long], { maxAnswerLength: 2 })[0]).toMatchObject({ start: 4, end: 14, answer: 'capital is' });
  });

  it('alignToWords false keeps token offsets; padding never answers', () => {
    const sub = windowOf([0, 0, 0, 0, 3, 0], [0, 0, 0, 0, 3, 0]);
    expect(postprocessQuestionAnswering(CONTEXT, [sub])[0]!.answer).toBe('Paris');
    expect(postprocessQuestionAnswering(CONTEXT, [sub], { alignToWords: false })[0]).toMatchObject({ start: 18, end: 20, answer: 'is' });
    const padded = { ...sub, attentionMask: [1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1] };
    expect(postprocessQuestionAnswering(CONTEXT, [padded])[0]!.answer).not.toBe('Paris');
  });

  it('windows compete by score; the impossible answer is offered when asked', () => {
    const weak = windowOf([2, 0, 0, 0, 0, 0], [2, 0, 0, 0, 0, 0]);
    const out = postprocessQuestionAnswering(CONTEXT, [weak, w], { topK: 1 });
    expect(out[0]!.answer).toBe('Paris');
    const withNull = postprocessQuestionAnswering(CONTEXT, [w], { topK: 3, handleImpossibleAnswer: true });
    const nullScore = (E(5) / zs) * (E(5) / ze);
    expect(withNull[0]).toEqual({ score: expect.closeTo(nullScore, 14), start: 0, end: 0, answer: '' });
  });

  it('bad options and shapes get typed errors', () => {
    expect(() => postprocessQuestionAnswering(CONTEXT, [w], { topK: 0 })).toThrow(TaskInputError);
    expect(() => postprocessQuestionAnswering(CONTEXT, [{ ...w, endLogits: [1] }])).toThrow(/11 tokens has 11 start and 1 end logits/);
  });
});
