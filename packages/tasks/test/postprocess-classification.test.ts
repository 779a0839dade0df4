/** text-classification and fill-mask postprocess on hand-made logits. */
import { describe, expect, it } from 'vitest';
import { Tokenizer } from '@heed/tokenizers';
import { postprocessFillMask, postprocessTextClassification } from '../src/postprocess/index.js';
import { TaskInputError } from '../src/errors.js';

const p = (a: number, b: number): number => Math.exp(a) / (Math.exp(a) + Math.exp(b));

describe('text-classification postprocess', () => {
  const labels = ['negative', 'positive'];
  it('softmax, best label per row; ties pick the first label', () => {
    const out = postprocessTextClassification([1, 3, 0, 0], 2, labels);
    expect(out).toHaveLength(2);
    expect(out[0]).toEqual({ label: 'positive', score: expect.closeTo(p(3, 1), 14) });
    expect(out[1]).toEqual({ label: 'negative', score: 0.5 });
  });

  it('topK: sorted lists, null for all labels; default names LABEL_i', () => {
    const out = postprocessTextClassification([1, 3, 2], 3, undefined, { topK: 2 });
    const z = Math.exp(1) + Math.exp(3) + Math.exp(2);
    expect(out[0]).toEqual([
      { label: 'LABEL_1', score: expect.closeTo(Math.exp(3) / z, 14) },
      { label: 'LABEL_2', score: expect.closeTo(Math.exp(2) / z, 14) },
    ]);
    expect((postprocessTextClassification([1, 3, 2], 3, undefined, { topK: null })[0] as unknown[]).length).toBe(3);
  });

  it('sigmoid for one label and for multi-label problems; none keeps logits', () => {
    expect(postprocessTextClassification([0.5], 1, ['yes'])[0]).toEqual({ label: 'yes', score: expect.closeTo(1 / (1 + Math.exp(-0.5)), 14) });
    const multi = postprocessTextClassification([2, -1], 2, labels, { problemType: 'multi_label_classification', topK: null });
    expect(multi[0]).toEqual([
      { label: 'negative', score: expect.closeTo(1 / (1 + Math.exp(-2)), 14) },
      { label: 'positive', score: expect.closeTo(1 / (1 + Math.exp(1)), 14) },
    ]);
    expect(postprocessTextClassification([2, -1], 2, labels, { functionToApply: 'none' })[0]).toEqual({ label: 'negative', score: 2 });
  });

  it('bad shapes and options get typed errors', () => {
    expect(() => postprocessTextClassification([1, 2, 3], 2, labels)).toThrow(TaskInputError);
    expect(() => postprocessTextClassification([1, 2], 2, labels, { topK: 0 })).toThrow(/topK must be a positive integer/);
  });
});

describe('fill-mask postprocess', () => {
  const tok = Tokenizer.fromVocab(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'the', 'cat', 'dog', 'sat']);
  const V = 9;
  const rowOf = (hot: Record<number, number>): number[] => Array.from({ length: V }, (_, i) => hot[i] ?? 0);

  it('one mask: top-k tokens with their scores, token strings and filled sentences', () => {
    const ids = [2, 5, 4, 8, 3]; // [CLS] the [MASK] sat [SEP]
    const logits = rowOf({ 6: 2, 7: 1 }); // at the mask
    const z = Math.exp(2) + Math.exp(1) + 7;
    const out = postprocessFillMask(ids, logits, V, 4, 0, tok, { topK: 2 });
    expect(out).toEqual([
      { score: expect.closeTo(Math.exp(2) / z, 14), token: 6, token_str: 'cat', sequence: 'the cat sat' },
      { score: expect.closeTo(Math.exp(1) / z, 14), token: 7, token_str: 'dog', sequence: 'the dog sat' },
    ]);
    const targeted = postprocessFillMask(ids, logits, V, 4, 0, tok, { targetIds: [8, 7] }) as Array<{ token: number; score: number }>;
    expect(targeted.map((r) => r.token)).toEqual([7, 8]);
    expect(targeted[1]!.score).toBeCloseTo(1 / z, 14);
  });

  it('two masks: a list per mask, special tokens kept in the sequences; padding dropped', () => {
    const ids = [2, 4, 4, 3, 0];
    const logits = [...rowOf({ 5: 3 }), ...rowOf({ 6: 3 })];
    const out = postprocessFillMask(ids, logits, V, 4, 0, tok, { topK: 1 }) as Array<Array<{ sequence: string; token_str: string }>>;
    expect(out.map((r) => r[0]!.token_str)).toEqual(['the', 'cat']);
    expect(out[0]![0]!.sequence).toBe('[CLS] the [MASK] [SEP]');
    expect(out[1]![0]!.sequence).toBe('[CLS] [MASK] cat [SEP]');
  });

  it('no mask, bad targets, bad shapes: typed errors', () => {
    expect(() => postprocessFillMask([2, 5, 3], new Array(9).fill(0), V, 4, 0, tok)).toThrow(/no mask token/);
    expect(() => postprocessFillMask([4], new Array(9).fill(0), V, 4, 0, tok, { targetIds: [99] })).toThrow(/target id 99 is outside/);
    expect(() => postprocessFillMask([4, 4], new Array(9).fill(0), V, 4, 0, tok)).toThrow(/9 logits for 2 masks of vocabulary 9/);
    expect(() => postprocessFillMask([4], new Array(8).fill(0), V, 4, 0, tok)).toThrow(TaskInputError);
  });
});
