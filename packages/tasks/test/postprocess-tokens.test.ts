/** token-classification postprocess: every aggregation strategy of Hugging Face's pipeline, on hand-made logits. */
import { describe, expect, it } from 'vitest';
import { WordPieceDecoder } from '@heed/tokenizers';
import { postprocessTokenClassification, type TokenWindow, type TokenizerInfo } from '../src/postprocess/index.js';
import { TaskInputError } from '../src/errors.js';

const LABELS = ['O', 'B-PER', 'I-PER', 'B-LOC', 'I-LOC'];
const decoder = new WordPieceDecoder();
const wordpiece: TokenizerInfo = { subwordPrefix: '##', unkId: 1, tokensToString: (t) => decoder.decode(t) };
const TEXT = 'Hi Anna Smithson in Paris';

/** Logits whose softmax is exactly the given probabilities. */
const logitsOf = (rows: number[][]): number[] => rows.flatMap((r) => r.map(Math.log));
const flat = [0.2, 0.2, 0.2, 0.2, 0.2];

function windowOf(son: number[]): TokenWindow {
  return {
    ids: [101, 10, 11, 12, 13, 14, 15, 102],
    tokens: ['[CLS]', 'hi', 'anna', 'smith', '##son', 'in', 'paris', '[SEP]'],
    starts: [0, 0, 3, 8, 13, 17, 20, 0],
    ends: [0, 2, 7, 13, 16, 19, 25, 0],
    specialTokensMask: [1, 0, 0, 0, 0, 0, 0, 1],
    logits: logitsOf([
      flat,
      [0.9, 0.025, 0.025, 0.025, 0.025],
      [0.1, 0.7, 0.1, 0.05, 0.05],
      [0.1, 0.1, 0.6, 0.1, 0.1],
      son,
      [0.8, 0.05, 0.05, 0.05, 0.05],
      [0.05, 0.05, 0.05, 0.8, 0.05],
      flat,
    ]),
  };
}
const SON = [0.05, 0.05, 0.2, 0.65, 0.05]; // "##son": B-LOC alone, so the strategies disagree
const run = (aggregation: 'none' | 'simple' | 'first' | 'average' | 'max', w = windowOf(SON)) =>
  postprocessTokenClassification(TEXT, [w], 5, LABELS, wordpiece, { aggregation });

describe('token-classification postprocess', () => {
  it('none: every non-O token with its index, word and offsets', () => {
    expect(run('none')).toEqual([
      { entity: 'B-PER', score: expect.closeTo(0.7, 12), index: 2, word: 'anna', start: 3, end: 7 },
      { entity: 'I-PER', score: expect.closeTo(0.6, 12), index: 3, word: 'smith', start: 8, end: 13 },
      { entity: 'B-LOC', score: expect.closeTo(0.65, 12), index: 4, word: '##son', start: 13, end: 16 },
      { entity: 'B-LOC', score: expect.closeTo(0.8, 12), index: 6, word: 'paris', start: 20, end: 25 },
    ]);
  });

  it('simple: tokens grouped by tag (a B- starts a group), mean score, offsets into the text', () => {
    expect(run('simple')).toEqual([
      { entity_group: 'PER', score: expect.closeTo(0.65, 12), word: 'anna smith', start: 3, end: 13 },
      { entity_group: 'LOC', score: expect.closeTo(0.65, 12), word: '##son', start: 13, end: 16 },
      { entity_group: 'LOC', score: expect.closeTo(0.8, 12), word: 'paris', start: 20, end: 25 },
    ]);
  });

  it('first: a word takes its first token label', () => {
    const out = run('first');
    expect(out).toEqual([
      { entity_group: 'PER', score: expect.closeTo(0.65, 12), word: 'anna smithson', start: 3, end: 16 },
      { entity_group: 'LOC', score: expect.closeTo(0.8, 12), word: 'paris', start: 20, end: 25 },
    ]);
    expect(TEXT.slice(3, 16)).toBe('Anna Smithson');
  });

  it('average: a word takes the best of its averaged scores', () => {
    // smith + ##son averaged: I-PER (0.6 + 0.2) / 2 = 0.4 beats B-LOC (0.1 + 0.65) / 2 = 0.375.
    expect(run('average')).toEqual([
      { entity_group: 'PER', score: expect.closeTo((0.7 + 0.4) / 2, 12), word: 'anna smithson', start: 3, end: 16 },
      { entity_group: 'LOC', score: expect.closeTo(0.8, 12), word: 'paris', start: 20, end: 25 },
    ]);
  });

  it('max: a word takes the label of its most confident token', () => {
    expect(run('max')).toEqual([
      { entity_group: 'PER', score: expect.closeTo(0.7, 12), word: 'anna', start: 3, end: 7 },
      { entity_group: 'LOC', score: expect.closeTo(0.65, 12), word: 'smithson', start: 8, end: 16 },
      { entity_group: 'LOC', score: expect.closeTo(0.8, 12), word: 'paris', start: 20, end: 25 },
    ]);
  });

  it('ignoreLabels, the unknown token and the space heuristic without a subword prefix', () => {
    expect(
      postprocessTokenClassification(TEXT, [windowOf(SON)], 5, LABELS, wordpiece, { aggregation: 'simple', ignoreLabels: ['O', 'LOC'] }),
    ).toHaveLength(1);
    // "##son" is the unknown token: its word becomes the text ("son") and it starts a word of its own.
    const unk = { ...windowOf(SON), ids: [101, 10, 11, 12, 1, 14, 15, 102] };
    expect(postprocessTokenClassification(TEXT, [unk], 5, LABELS, wordpiece, { aggregation: 'first' })[1]).toEqual({
      entity_group: 'LOC',
      score: expect.closeTo(0.65, 12),
      word: 'son',
      start: 13,
      end: 16,
    });
    // Without a prefix, a token not preceded by a space continues the word: "New-York".
    const plain: TokenizerInfo = { subwordPrefix: null, unkId: null, tokensToString: (t) => t.join('') };
    const w: TokenWindow = {
      ids: [1, 2, 3, 4],
      tokens: ['New', '-', 'York', 'is'],
      starts: [0, 3, 4, 9],
      ends: [3, 4, 8, 11],
      specialTokensMask: [0, 0, 0, 0],
      logits: logitsOf([[0.1, 0.1, 0.1, 0.6, 0.1], flat, flat, [0.9, 0.025, 0.025, 0.025, 0.025]]),
    };
    expect(postprocessTokenClassification('New-York is', [w], 5, LABELS, plain, { aggregation: 'first' })).toEqual([
      { entity_group: 'LOC', score: expect.closeTo(0.6, 12), word: 'New-York', start: 0, end: 8 },
    ]);
  });

  it('overlapping windows: the longer entity wins', () => {
    const w1: TokenWindow = {
      ...windowOf(SON),
      ids: [101, 11, 12, 102],
      tokens: ['[CLS]', 'anna', 'smith', '[SEP]'],
      starts: [0, 3, 8, 0],
      ends: [0, 7, 13, 0],
      specialTokensMask: [1, 0, 0, 1],
      logits: logitsOf([flat, [0.1, 0.7, 0.1, 0.05, 0.05], [0.1, 0.1, 0.6, 0.1, 0.1], flat]),
    };
    const w2: TokenWindow = {
      ...w1,
      ids: [101, 12, 15, 102],
      tokens: ['[CLS]', 'smith', 'paris', '[SEP]'],
      starts: [0, 8, 20, 0],
      ends: [0, 13, 25, 0],
      logits: logitsOf([flat, [0.1, 0.1, 0.6, 0.1, 0.1], [0.05, 0.05, 0.05, 0.8, 0.05], flat]),
    };
    expect(postprocessTokenClassification(TEXT, [w1, w2], 5, LABELS, wordpiece, { aggregation: 'simple' })).toEqual([
      { entity_group: 'PER', score: expect.closeTo(0.65, 12), word: 'anna smith', start: 3, end: 13 },
      { entity_group: 'LOC', score: expect.closeTo(0.8, 12), word: 'paris', start: 20, end: 25 },
    ]);
  });

  it('bad options and shapes get typed errors', () => {
    expect(() => postprocessTokenClassification(TEXT, [windowOf(SON)], 5, LABELS, wordpiece, { aggregation: 'mean' as never })).toThrow(
      TaskInputError,
    );
    expect(() => postprocessTokenClassification(TEXT, [windowOf(SON)], 4, LABELS, wordpiece)).toThrow(/40 logits for 8 tokens of 4 labels/);
  });
});
