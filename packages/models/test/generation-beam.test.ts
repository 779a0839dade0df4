import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Heed } from '@heed/core';
import { beamSearch, generate, greedy, lengthPenaltyDivisor, type Hypothesis, type LengthPenalty } from '../src/index.js';
import { enumerateHypotheses, HashLM, sequenceLogProb } from './generation-models.js';
import { testHeed } from './helpers.js';

let heed: Heed;
beforeAll(async () => {
  heed = await testHeed('cpu');
});
afterAll(() => heed.dispose());

const PENALTIES: { name: string; penalty: LengthPenalty | undefined }[] = [
  { name: 'none', penalty: undefined },
  { name: 'power γ=0.75', penalty: { type: 'power', exponent: 0.75 } },
  { name: 'power γ=1.5', penalty: { type: 'power', exponent: 1.5 } },
  { name: 'GNMT α=0.6', penalty: { type: 'gnmt', alpha: 0.6 } },
  { name: 'GNMT α=1', penalty: { type: 'gnmt', alpha: 1 } },
];

function strip(h: Hypothesis): Omit<Hypothesis, 'score'> {
  return { tokens: h.tokens, logProb: h.logProb, length: h.length, finished: h.finished };
}

describe('greedy and beam search', () => {
  it('beam search with k = 1 (no length penalty) equals greedy search, finished or not', async () => {
    let finished = 0;
    let unfinished = 0;
    for (const eosBias of [-1, 0.5, 1.5]) {
      const model = new HashLM(heed.engine, { vocab: 7, eosBias });
      const seeds = Array.from({ length: 12 }, (_, i) => i + 100 * eosBias);
      for (const minLength of [0, 3]) {
        const g = await greedy(model, seeds, { maxLength: 8, minLength });
        const b = await beamSearch(model, seeds, { beamSize: 1, maxLength: 8, minLength });
        expect(b.map((x) => x.map(strip))).toEqual(g.map((x) => x.map(strip)));
        for (const [h] of g) h!.finished ? finished++ : unfinished++;
      }
    }
    // both kinds of ending were exercised
    expect(finished).toBeGreaterThan(10);
    expect(unfinished).toBeGreaterThan(10);
  });

  it('greedy output: argmax of every step, EOS stripped, log-prob sum and length', async () => {
    const model = new HashLM(heed.engine, { vocab: 6, eosBias: 0.8 });
    const [[h]] = (await greedy(model, [5], { maxLength: 10 })) as [[Hypothesis]];
    const fed = [model.bosTokenId];
    let sum = 0;
    for (;;) {
      const lp = model.logProbs(5, fed);
      const best = lp.indexOf(Math.max(...lp));
      sum += lp[best]!;
      if (best === model.eosTokenId || fed.length === 10) break;
      fed.push(best);
    }
    expect(h.tokens).toEqual(fed.slice(1));
    expect(h.logProb).toBe(sum);
    expect(h.length).toBe(h.tokens.length + (h.finished ? 1 : 0));
  });

  for (const { name, penalty } of PENALTIES) {
    it(`beam search with k ≥ the output space returns the exact n-best by brute force (${name})`, async () => {
      // V = 4 (BOS 0, EOS 1), maxLength 4: 3^0+3^1+3^2+3^3 finished + 3^4 unfinished = 121 hypotheses.
      const model = new HashLM(heed.engine, { vocab: 4, eosBias: -0.5 });
      for (const seed of [1, 2, 3, 4, 5, 6]) {
        for (const minLength of [0, 3]) {
          const all = enumerateHypotheses(model, seed, 4, minLength);
          expect(all.length).toBe(minLength === 0 ? 121 : 81 + 9 + 27);
          const ranked = all.map((h) => ({ ...h, score: h.logProb / lengthPenaltyDivisor(penalty, h.length) })).sort((a, b) => b.score - a.score);
          const options = { beamSize: 128, numReturn: 10, maxLength: 4, minLength, lengthPenalty: penalty };
          const [beams] = (await beamSearch(model, [seed], options)) as [Hypothesis[]];
          expect(beams).toHaveLength(10);
          for (let i = 0; i < 10; i++) {
            expect(beams[i]!.tokens).toEqual(ranked[i]!.tokens);
            expect(beams[i]!.finished).toBe(ranked[i]!.finished);
            expect(beams[i]!.logProb).toBe(ranked[i]!.logProb);
            expect(beams[i]!.score).toBe(ranked[i]!.score);
          }
        }
      }
    });
  }

  it('length normalisation changes the winner on this model (the exactness checks are not vacuous)', async () => {
    const model = new HashLM(heed.engine, { vocab: 4, eosBias: -0.5 });
    let differs = 0;
    for (let seed = 1; seed <= 6; seed++) {
      const best = (p: LengthPenalty | undefined): string => {
        const all = enumerateHypotheses(model, seed, 4).map((h) => ({ ...h, score: h.logProb / lengthPenaltyDivisor(p, h.length) }));
        return all.sort((a, b) => b.score - a.score)[0]!.tokens.join(',') + ':' + String(all[0]!.finished);
      };
      if (best(undefined) !== best({ type: 'gnmt', alpha: 1 }) || best(undefined) !== best({ type: 'power', exponent: 1.5 })) differs++;
    }
    expect(differs).toBeGreaterThan(0);
  });

  it('n-best lists are sorted, have recomputable scores and respect min/max length', async () => {
    const model = new HashLM(heed.engine, { vocab: 9, eosBias: 1 });
    const seeds = Array.from({ length: 10 }, (_, i) => 40 + i);
    for (const { penalty } of PENALTIES) {
      for (const [minLength, maxLength] of [
        [0, 6],
        [4, 7],
        [5, 5],
      ] as const) {
        const out = await beamSearch(model, seeds, { beamSize: 5, numReturn: 5, maxLength, minLength, lengthPenalty: penalty });
        out.forEach((list, i) => {
          expect(list).toHaveLength(5);
          for (let j = 1; j < list.length; j++) expect(list[j - 1]!.score).toBeGreaterThanOrEqual(list[j]!.score);
          for (const h of list) {
            expect(h.logProb).toBeCloseTo(sequenceLogProb(model, seeds[i]!, h.tokens, h.finished), 10);
            expect(h.score).toBeCloseTo(h.logProb / lengthPenaltyDivisor(penalty, h.length), 12);
            expect(h.length).toBe(h.tokens.length + (h.finished ? 1 : 0));
            expect(h.length).toBeLessThanOrEqual(maxLength);
            if (h.finished) expect(h.length).toBeGreaterThanOrEqual(minLength);
            else expect(h.length).toBe(maxLength);
            expect(h.tokens).not.toContain(model.eosTokenId);
          }
          // distinct hypotheses
          expect(new Set(list.map((h) => `${h.tokens.join(',')}/${h.finished}`)).size).toBe(list.length);
        });
      }
    }
  });

  it('minLength forbids early EOS: with a strong EOS bias greedy stops exactly at minLength', async () => {
    const model = new HashLM(heed.engine, { vocab: 6, eosBias: 8 });
    for (const minLength of [0, 1, 3, 6]) {
      for (const [h] of await greedy(model, [1, 2, 3], { minLength, maxLength: 6 })) {
        expect(h!.finished).toBe(true);
        expect(h!.length).toBe(Math.max(minLength, 1));
      }
      for (const [h] of await beamSearch(model, [1, 2, 3], { beamSize: 3, minLength, maxLength: 6 })) expect(h!.length).toBe(Math.max(minLength, 1));
    }
    // and maxLength caps unfinished output when EOS is unlikely
    const never = new HashLM(heed.engine, { vocab: 6, eosBias: -30 });
    for (const [h] of await greedy(never, [7], { maxLength: 5 })) expect(h).toMatchObject({ finished: false, length: 5 });
    expect(never.lastMaxLength).toBe(5);
  });

  it('batched results equal per-sentence results (greedy and beam, every penalty)', async () => {
    const model = new HashLM(heed.engine, { vocab: 8, eosBias: 0.7 });
    const seeds = [11, 12, 13, 14, 15];
    for (const { penalty } of PENALTIES) {
      const options = { beamSize: 4, numReturn: 3, maxLength: 7, minLength: 2, lengthPenalty: penalty };
      const batched = await beamSearch(model, seeds, options);
      for (let i = 0; i < seeds.length; i++) expect(batched[i]).toEqual((await beamSearch(model, [seeds[i]!], options))[0]);
    }
    const batched = await greedy(model, seeds, { maxLength: 7 });
    for (let i = 0; i < seeds.length; i++) expect(batched[i]).toEqual((await greedy(model, [seeds[i]!], { maxLength: 7 }))[0]);
  });

  it('early stopping is exact (same n-best as decoding to maxLength) and saves steps', async () => {
    let savedRows = 0;
    const strong: LengthPenalty[] = [
      { type: 'power', exponent: 2 },
      { type: 'gnmt', alpha: 2 },
    ];
    for (const [penalty, eosBias, numReturn] of [
      ...PENALTIES.map(({ penalty }) => [penalty, 1.2, 2] as const),
      ...strong.flatMap((p) => [[p, 2.5, 1] as const, [p, 1, 1] as const]),
    ]) {
      const model = new HashLM(heed.engine, { vocab: 10, eosBias, spread: 0.7 });
      const seeds = Array.from({ length: 24 }, (_, i) => 70 + i);
      const options = { beamSize: 4, numReturn, maxLength: 12, lengthPenalty: penalty };
      const before = model.log.stepRows.length;
      const early = await beamSearch(model, seeds, options);
      const earlyRows = model.log.stepRows.slice(before).reduce((a, b) => a + b, 0);
      const mid = model.log.stepRows.length;
      const full = await beamSearch(model, seeds, { ...options, earlyStopping: false });
      const fullRows = model.log.stepRows.slice(mid).reduce((a, b) => a + b, 0);
      expect(early).toEqual(full);
      expect(earlyRows).toBeLessThanOrEqual(fullRows);
      savedRows += fullRows - earlyRows;
    }
    expect(savedRows).toBeGreaterThan(0);
  });

  it('rows are expanded to k per sentence, reordered with select, and the session is disposed', async () => {
    const model = new HashLM(heed.engine, { vocab: 12, eosBias: -3 });
    await beamSearch(model, [1, 2, 3], { beamSize: 4, maxLength: 5 });
    expect(model.log.stepRows).toEqual([3, 12, 12, 12, 12]);
    expect(model.log.selects[0]!.length).toBe(12);
    // every sentence's rows come from that sentence's rows
    model.log.selects[0]!.forEach((src, r) => expect(src).toBe(Math.floor(r / 4)));
    for (const sel of model.log.selects.slice(1)) sel.forEach((src, r) => expect(Math.floor(src / 4)).toBe(Math.floor(r / 4)));
    expect(model.log.opened).toBe(1);
    expect(model.log.disposed).toBe(1);
  });

  it('generate dispatches on the strategy', async () => {
    const model = new HashLM(heed.engine, { vocab: 8, eosBias: 0.5 });
    const seeds = [3, 4];
    expect(await generate(model, seeds, { maxLength: 6 })).toEqual(await greedy(model, seeds, { maxLength: 6 }));
    const beam = await beamSearch(model, seeds, { beamSize: 3, maxLength: 6 });
    expect(await generate(model, seeds, { strategy: 'beam', beamSize: 3, maxLength: 6 })).toEqual(beam);
  });

  it('a session with start tokens (a language model after its prompt) is fed them first; they are not output', async () => {
    const model = new HashLM(heed.engine, { vocab: 7, eosBias: 0.3, startTokens: (seed) => 2 + (seed % 5) });
    const seeds = [0, 1, 2, 3];
    const beams = await beamSearch(model, seeds, { beamSize: 30, numReturn: 3, maxLength: 3 });
    beams.forEach((list, i) => {
      const all = enumerateHypotheses(model, seeds[i]!, 3).sort((a, b) => b.logProb - a.logProb);
      expect(list.map((h) => h.tokens)).toEqual(all.slice(0, 3).map((h) => h.tokens));
      expect(list[0]!.logProb).toBe(all[0]!.logProb);
    });
  });
});
