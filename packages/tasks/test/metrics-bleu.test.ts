/** sacreBLEU's corpus BLEU (13a, exp smoothing, defaults) on cases whose statistics are derived by hand. */
import { describe, expect, it } from 'vitest';
import { bleuFromStats, corpusBleu, formatBleu, tokenize13a } from '../src/metrics/index.js';
import { TaskInputError } from '../src/errors.js';

describe('13a tokenisation', () => {
  it.each([
    ['Hello, world!', ['Hello', ',', 'world', '!']],
    ['3.14 and 1,000 and 5-3', ['3.14', 'and', '1,000', 'and', '5', '-', '3']],
    ['end. x.y 3.x', ['end', '.', 'x', '.', 'y', '3', '.', 'x']],
    ["It wasn't well-known.", ['It', "wasn't", 'well-known', '.']],
    ['&quot;hi&quot; &amp; $5 (a) [b] {c} a/b', ['"', 'hi', '"', '&', '$', '5', '(', 'a', ')', '[', 'b', ']', '{', 'c', '}', 'a', '/', 'b']],
    ['line-\nbreak <skipped>here\nnext', ['linebreak', 'here', 'next']],
    ['  spaced\u3000out\u0085x  ', ['spaced', 'out', 'x']],
  ])('%j', (text, expected) => {
    expect(tokenize13a(text)).toEqual(expected);
  });
});

describe('corpus BLEU', () => {
  it("matches sacreBLEU's README example: BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)", () => {
    const refs = [
      ['The dog bit the man.', 'It was not unexpected.', 'The man bit him first.'],
      ['The dog had bit the man.', 'No one was surprised.', 'The man had bitten the dog.'],
    ];
    const sys = ['The dog bit the man.', "It wasn't surprising.", 'The man had just bitten him.'];
    const b = corpusBleu(sys, refs);
    // By hand: 1-grams 6+2+6 of 6+4+7, 2-grams 5+0+2 of 5+3+6, 3-grams 4+0+1 of 4+2+5, 4-grams 3+0+0 of 3+1+4.
    expect(b.counts).toEqual([14, 7, 5, 3]);
    expect(b.totals).toEqual([17, 14, 11, 8]);
    expect([b.sysLen, b.refLen]).toEqual([17, 18]);
    const expected = 100 * Math.exp(1 - 18 / 17) * Math.exp((Math.log(14 / 17) + Math.log(7 / 14) + Math.log(5 / 11) + Math.log(3 / 8)) / 4);
    expect(b.score).toBeCloseTo(expected, 12);
    expect(formatBleu(b)).toBe('BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)');
  });

  it('identical text scores 100; no matching unigram scores 0 (sacreBLEU #141)', () => {
    expect(corpusBleu(['The cat sat on the mat.'], [['The cat sat on the mat.']]).score).toBeCloseTo(100, 10);
    expect(corpusBleu(['this is a test', 'another test'], [['ref1', 'ref2']]).score).toBe(0);
  });

  it('exp smoothing halves each missing order: "this is a fest" vs "this is a test"', () => {
    const b = corpusBleu(['this is a fest'], [['this is a test']]);
    expect(b.counts).toEqual([3, 2, 1, 0]);
    expect(b.precisions[3]).toBeCloseTo(50, 12); // 100 / (2 * 1)
    expect(b.score).toBeCloseTo(100 * Math.pow(0.75 * (2 / 3) * 0.5 * 0.5, 0.25), 10);
    // Counts clipped by the reference; consecutive zero orders divide by 2, 4, 8.
    const c = corpusBleu(['the the the the'], [['the cat']]);
    expect(c.counts).toEqual([1, 0, 0, 0]);
    expect(c.precisions).toEqual([25, 100 / 6, 100 / 8, 100 / 8]);
    expect(c.score).toBeCloseTo(100 * Math.pow(0.25 * (1 / 6) * (1 / 8) * (1 / 8), 0.25), 10);
  });

  it('a corpus shorter than the maximum order scores 0; brevity penalty uses the closest (shorter on ties) reference', () => {
    expect(corpusBleu(['a b'], [['a b']]).score).toBe(0);
    const b = corpusBleu(['a b c d e'], [['a b c d'], ['a b c d e f']]);
    expect(b.refLen).toBe(4);
    expect(b.bp).toBe(1);
    const short = corpusBleu(['a b c d'], [['a b c d e f']]);
    expect(short.bp).toBeCloseTo(Math.exp(1 - 6 / 4), 12);
    expect(short.score).toBeCloseTo(100 * Math.exp(1 - 6 / 4), 10);
  });

  it('is case-sensitive unless lowercase is set; checks the reference streams', () => {
    expect(corpusBleu(['The Cat Sat Down'], [['the cat sat down']]).score).toBe(0);
    expect(corpusBleu(['The Cat Sat Down'], [['the cat sat down']], { lowercase: true }).score).toBeCloseTo(100, 10);
    expect(() => corpusBleu(['a', 'b'], [['a']])).toThrow(TaskInputError);
    expect(() => corpusBleu(['a', 'b'], [['a']])).toThrow(/stream 0 has 1 sentences but there are 2/);
    expect(() => corpusBleu(['a'], [])).toThrow(TaskInputError);
  });

  it('bleuFromStats reproduces corpus scores from summed statistics', () => {
    const b = corpusBleu(['the cat sat on the mat', 'a dog ran'], [['the cat sat on a mat', 'the dog ran']]);
    expect(bleuFromStats(b.counts, b.totals, b.sysLen, b.refLen).score).toBe(b.score);
  });
});
