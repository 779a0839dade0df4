import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng, type Heed } from '@heed/core';
import { drawFromRow, drawToken, generate, greedy, sample, samplingDistribution, type SampleOptions } from '../src/index.js';
import { HashLM, TableLM } from './generation-models.js';
import { testHeed } from './helpers.js';

let heed: Heed;
beforeAll(async () => {
  heed = await testHeed('cpu');
});
afterAll(() => heed.dispose());

/** Chi-square critical values at significance 0.001, by degrees of freedom 1..12. */
const CHI2_001 = [10.83, 13.82, 16.27, 18.47, 20.52, 22.46, 24.32, 26.12, 27.88, 29.59, 31.26, 32.91];

/**
 * The reference distribution, written independently of `samplingDistribution`: float64
 * softmax of logp / T; top-k keeps the k largest (ties to the lower id); top-p keeps the
 * shortest most-probable-first prefix with mass ≥ p; renormalised after each filter.
 */
function reference(logp: readonly number[], o: { temperature?: number; topK?: number; topP?: number; blocked?: number }): Map<number, number> {
  let items = logp.map((x, id) => ({ id, w: Math.exp(x / (o.temperature ?? 1)) })).filter((it) => it.id !== o.blocked);
  const total = (xs: { w: number }[]): number => xs.reduce((s, it) => s + it.w, 0);
  items.sort((a, b) => (b.w === a.w ? a.id - b.id : b.w - a.w));
  if (o.topK !== undefined) items = items.slice(0, o.topK);
  if (o.topP !== undefined) {
    const z = total(items);
    const kept: typeof items = [];
    let mass = 0;
    for (const it of items) {
      if (mass >= o.topP) break;
      kept.push(it);
      mass += it.w / z;
    }
    items = kept;
  }
  const z = total(items);
  return new Map(items.map((it) => [it.id, it.w / z]));
}

// A Markov table over V = 10 tokens (0 = BOS, 1 = EOS) with a spread-out distribution after BOS.
const V = 10;
function markovTable(seed: number): Float32Array {
  const rng = new Rng(seed);
  const table = new Float32Array(V * V);
  for (let prev = 0; prev < V; prev++) {
    const logits = Array.from({ length: V }, () => rng.normal(0, 1.2));
    const lse = Math.log(logits.reduce((s, x) => s + Math.exp(x), 0));
    logits.forEach((x, v) => (table[prev * V + v] = x - lse));
  }
  return table;
}

describe('sampling', () => {
  it('samplingDistribution on hand-computed cases', () => {
    const lp = [0.5, 0.3, 0.2].map(Math.log);
    const close = (d: { ids: number[]; probs: number[] }, ids: number[], probs: number[]): void => {
      expect(d.ids).toEqual(ids);
      d.probs.forEach((p, i) => expect(p).toBeCloseTo(probs[i]!, 12));
    };
    close(samplingDistribution(lp, 0, 3), [0, 1, 2], [0.5, 0.3, 0.2]);
    close(samplingDistribution(lp, 0, 3, { topP: 0.6 }), [0, 1], [0.625, 0.375]);
    close(samplingDistribution(lp, 0, 3, { topP: 0.5 }), [0], [1]);
    close(samplingDistribution(lp, 0, 3, { topP: 0.81 }), [0, 1, 2], [0.5, 0.3, 0.2]);
    close(samplingDistribution(lp, 0, 3, { topK: 2 }), [0, 1], [0.625, 0.375]);
    close(samplingDistribution(lp, 0, 3, { blocked: 0 }), [1, 2], [0.6, 0.4]);
    // temperature 2: weights sqrt(0.5), sqrt(0.3), sqrt(0.2)
    const s = Math.sqrt(0.5) + Math.sqrt(0.3) + Math.sqrt(0.2);
    close(samplingDistribution(lp, 0, 3, { temperature: 2 }), [0, 1, 2], [Math.sqrt(0.5) / s, Math.sqrt(0.3) / s, Math.sqrt(0.2) / s]);
    // top-k ties go to the lower id; offset reads a later row
    close(samplingDistribution([9, 9, Math.log(0.25), Math.log(0.5), Math.log(0.25)], 2, 3, { topK: 2 }), [1, 0], [2 / 3, 1 / 3]);
  });

  it('samplingDistribution equals the reference on 600 random rows with tied values (ids in order, probabilities to 1e-12)', () => {
    const rng = new Rng(11);
    for (let trial = 0; trial < 600; trial++) {
      const n = 2 + rng.int(30);
      // values on a coarse grid so that ties are common, some -Infinity
      const row = Array.from({ length: n }, () => (rng.next() < 0.1 ? -Infinity : -rng.int(8) * 0.5));
      if (row.every((x) => x === -Infinity)) row[0] = 0;
      const filter = {
        temperature: [undefined, 0.5, 1.7][rng.int(3)],
        topK: rng.next() < 0.5 ? 1 + rng.int(n + 2) : undefined,
        topP: rng.next() < 0.5 ? 0.05 + 0.95 * rng.next() : undefined,
        blocked: rng.next() < 0.3 ? rng.int(n) : undefined,
      };
      const got = samplingDistribution(row, 0, n, filter);
      const want = reference(row.map((x, i) => (i === filter.blocked ? -Infinity : x)), filter);
      for (const [id, p] of [...want]) if (p === 0) want.delete(id);
      const sortedById = (ids: number[]): number[] => [...ids].sort((a, b) => a - b);
      expect(sortedById(got.ids)).toEqual(sortedById([...want.keys()]));
      if (filter.topK !== undefined || filter.topP !== undefined) expect(got.ids).toEqual([...want.keys()]);
      got.ids.forEach((id, j) => expect(got.probs[j]).toBeCloseTo(want.get(id)!, 12));
    }
  });

  it('the unfiltered fast path draws the same token as samplingDistribution + drawToken for the same uniform number', () => {
    const rng = new Rng(12);
    let differ = 0;
    for (let trial = 0; trial < 300; trial++) {
      const n = 1 + rng.int(40);
      const row = Float32Array.from({ length: n }, () => (rng.next() < 0.1 ? -Infinity : rng.normal(-3, 2)));
      const temperature = [1, 0.6, 2.5][rng.int(3)]!;
      const blocked = rng.next() < 0.3 ? rng.int(n) : -1;
      const dist = samplingDistribution(row, 0, n, { temperature, blocked });
      for (let d = 0; d < 20; d++) {
        const u = rng.next();
        if (drawFromRow(row, 0, n, temperature, blocked, u, new Float64Array(n)) !== drawToken(dist, u)) differ++;
      }
    }
    expect(differ).toBe(0);
  });

  const CONFIGS: { name: string; options: SampleOptions }[] = [
    { name: 'plain', options: {} },
    { name: 'temperature 0.5', options: { temperature: 0.5 } },
    { name: 'temperature 2', options: { temperature: 2 } },
    { name: 'top-k 4', options: { topK: 4 } },
    { name: 'top-p 0.7', options: { topP: 0.7 } },
    { name: 'T 0.8, top-k 6, top-p 0.9', options: { temperature: 0.8, topK: 6, topP: 0.9 } },
  ];
  for (const { name, options } of CONFIGS) {
    it(`first-token frequencies over 20,000 draws match the filtered softmax (${name}): chi-square p > 0.001, |Δ| < 0.012`, async () => {
      const table = markovTable(3);
      const model = new TableLM(heed.engine, table, V);
      const n = 20_000;
      const out = await sample(model, n, { ...options, maxLength: 1, seed: 17 });
      const counts = new Array<number>(V).fill(0);
      for (const [h] of out) counts[h!.finished ? model.eosTokenId : h!.tokens[0]!]!++;
      const expected = reference([...table.subarray(0, V)], options);
      let chi2 = 0;
      let maxDev = 0;
      for (let v = 0; v < V; v++) {
        const p = expected.get(v) ?? 0;
        if (p === 0) expect(counts[v], `token ${v} is outside the kept set`).toBe(0);
        else chi2 += (counts[v]! - n * p) ** 2 / (n * p);
        maxDev = Math.max(maxDev, Math.abs(counts[v]! / n - p));
      }
      expect(expected.size).toBeGreaterThan(1);
      expect(chi2).toBeLessThan(CHI2_001[expected.size - 2]!);
      expect(maxDev).toBeLessThan(0.012);
    });
  }

  it('second-token frequencies follow the distribution conditioned on the first (numReturn path, select expansion)', async () => {
    const table = markovTable(5);
    const model = new TableLM(heed.engine, table, V);
    const n = 30_000;
    const [draws] = await sample(model, 1, { numReturn: n, maxLength: 2, seed: 9, topK: 7 });
    expect(draws).toHaveLength(n);
    // condition on the most frequent first token
    const firsts = new Map<number, number[]>();
    for (const h of draws!) {
      if (h.tokens.length === 0) continue;
      const second = h.tokens.length === 2 ? h.tokens[1]! : model.eosTokenId;
      if (!firsts.has(h.tokens[0]!)) firsts.set(h.tokens[0]!, []);
      firsts.get(h.tokens[0]!)!.push(second);
    }
    const [first, seconds] = [...firsts.entries()].sort((a, b) => b[1].length - a[1].length)[0]!;
    expect(seconds.length).toBeGreaterThan(3000);
    const expected = reference([...table.subarray(first * V, first * V + V)], { topK: 7 });
    let chi2 = 0;
    for (let v = 0; v < V; v++) {
      const c = seconds.filter((x) => x === v).length;
      const p = expected.get(v) ?? 0;
      if (p === 0) expect(c).toBe(0);
      else chi2 += (c - seconds.length * p) ** 2 / (seconds.length * p);
    }
    expect(chi2).toBeLessThan(CHI2_001[expected.size - 2]!);
  });

  it('seeded sampling is reproducible; another seed differs; an Rng continues its stream', async () => {
    const model = new HashLM(heed.engine, { vocab: 12, eosBias: 0.4 });
    const seeds = [1, 2, 3, 4, 5, 6];
    const options = { maxLength: 10, temperature: 1.3, topP: 0.95, numReturn: 3 };
    const a = await sample(model, seeds, { ...options, seed: 42 });
    expect(await sample(model, seeds, { ...options, seed: 42 })).toEqual(a);
    expect(await sample(model, seeds, { ...options, seed: 43 })).not.toEqual(a);
    expect(await sample(model, seeds, { ...options, rng: new Rng(42) })).toEqual(a);
    const rng = new Rng(42);
    await sample(model, seeds, { ...options, rng });
    expect(await sample(model, seeds, { ...options, rng })).not.toEqual(a);
    expect(await generate(model, seeds, { strategy: 'sample', ...options, seed: 42 })).toEqual(a);
    // samples carry the model's (untempered) log-probabilities
    for (const list of a) for (const h of list) expect(h.score).toBe(h.logProb);
  });

  it('top-k = 1 sampling is greedy search; minLength and maxLength hold', async () => {
    const model = new HashLM(heed.engine, { vocab: 9, eosBias: 1.5 });
    const seeds = Array.from({ length: 10 }, (_, i) => i);
    const greedyOut = await greedy(model, seeds, { maxLength: 8, minLength: 3 });
    expect(await sample(model, seeds, { topK: 1, maxLength: 8, minLength: 3, seed: 1 })).toEqual(greedyOut);
    for (const [h] of await sample(model, seeds, { maxLength: 6, minLength: 4, seed: 2 })) {
      expect(h!.length).toBeLessThanOrEqual(6);
      if (h!.finished) expect(h!.length).toBeGreaterThanOrEqual(4);
      expect(h!.tokens).not.toContain(model.eosTokenId);
    }
  });
});
