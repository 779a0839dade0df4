import { Rng } from '@heed/core';
import { checkLengths, checkPositiveInt, checkSampling, type Hypothesis, type SampleOptions } from './options.js';
import type { Generative } from './session.js';
import { withSession } from './driver.js';

/** The filters sampling applies to one row of log-probabilities, in this order. */
export interface SamplingFilter {
  /** Divides the log-probabilities (default 1). */
  temperature?: number;
  /** Keep the k most probable tokens. */
  topK?: number;
  /** Keep the smallest most-probable set with mass ≥ p. */
  topP?: number;
  /** A token given probability 0 (EOS before `minLength`), or -1. */
  blocked?: number;
}

/**
 * The distribution sampling draws from for one row of log-probabilities
 * `logProbs[offset .. offset + n)`: softmax(logProbs / temperature) with `blocked` removed,
 * then restricted to the `topK` most probable tokens (ties to the lowest id) and renormalised,
 * then to the smallest prefix of those, most probable first, whose mass reaches `topP`, and
 * renormalised. Returns the kept token ids and their probabilities (float64, summing to 1);
 * ids are ascending when neither top-k nor top-p is set and most probable first otherwise.
 */
export function samplingDistribution(
  logProbs: ArrayLike<number>,
  offset: number,
  n: number,
  filter: SamplingFilter = {},
): { ids: number[]; probs: number[] } {
  const temperature = filter.temperature ?? 1;
  let ids: number[] = [];
  for (let i = 0; i < n; i++) if (i !== filter.blocked && logProbs[offset + i]! > -Infinity) ids.push(i);
  if (ids.length === 0) {
    // Nothing has finite log-probability: fall back to uniform over the allowed tokens.
    for (let i = 0; i < n; i++) if (i !== filter.blocked || n === 1) ids.push(i);
    return { ids, probs: ids.map(() => 1 / ids.length) };
  }
  const scaled = (i: number): number => logProbs[offset + i]! / temperature;
  const sorted = filter.topK !== undefined || filter.topP !== undefined;
  if (sorted) ids.sort((a, b) => scaled(b) - scaled(a) || a - b);
  if (filter.topK !== undefined && filter.topK < ids.length) ids = ids.slice(0, filter.topK);
  let max = -Infinity;
  for (const i of ids) max = Math.max(max, scaled(i));
  let probs = ids.map((i) => Math.exp(scaled(i) - max));
  normalise(probs);
  if (filter.topP !== undefined && filter.topP < 1) {
    let mass = 0;
    let m = 0;
    while (m < probs.length && mass < filter.topP) mass += probs[m++]!;
    ids = ids.slice(0, m);
    probs = probs.slice(0, m);
    normalise(probs);
  }
  return { ids, probs };
}

function normalise(probs: number[]): void {
  let total = 0;
  for (const p of probs) total += p;
  for (let i = 0; i < probs.length; i++) probs[i]! /= total;
}

/** Draws from a distribution with one uniform number in [0, 1). */
function draw(dist: { ids: number[]; probs: number[] }, u: number): number {
  let cum = 0;
  for (let j = 0; j < dist.ids.length; j++) {
    cum += dist.probs[j]!;
    if (u < cum) return dist.ids[j]!;
  }
  return dist.ids[dist.ids.length - 1]!;
}

/**
 * Ancestral sampling with temperature, top-k and top-p (see `samplingDistribution`),
 * seeded: the same `seed` (or an `Rng` in the same state) gives the same output. Draws one
 * number from the generator per live row per step, rows in sentence order. With
 * `numReturn` n, the first step's distribution is sampled n times per sentence and the
 * session's rows are expanded to n per sentence. Returns, per sentence, its n samples in
 * draw order (`score` = `logProb`, the model's untempered log-probability of the sample).
 */
export async function sample<I>(model: Generative<I>, inputs: I, options: SampleOptions = {}): Promise<Hypothesis[][]> {
  const { maxLength, minLength } = checkLengths('sample', options);
  checkSampling('sample', options);
  const n = checkPositiveInt('sample', 'numReturn', options.numReturn ?? 1);
  const rng = options.rng ?? new Rng(options.seed ?? 0);
  const eos = model.eosTokenId;
  const filter = { temperature: options.temperature, topK: options.topK, topP: options.topP };
  return withSession('sample', model, inputs, maxLength, async (driver) => {
    const V = driver.vocabSize;
    const sentences = driver.rows;
    const out: Hypothesis[] = Array.from({ length: sentences * n }, () => ({ tokens: [], logProb: 0, score: 0, length: 0, finished: false }));
    // rowSource[r]: the session row a draw for hypothesis rowHyp[r] reads (differs only at step 1).
    let rowHyp = Array.from({ length: sentences * n }, (_, h) => h);
    let rowSource = rowHyp.map((h) => Math.floor(h / n));
    let feed = driver.startTokens(model.bosTokenId);
    for (let t = 1; t <= maxLength && rowHyp.length > 0; t++) {
      const lp = await driver.step(feed);
      const blocked = t < minLength ? eos : -1;
      const dists = new Map<number, { ids: number[]; probs: number[] }>();
      const keep: number[] = [];
      const next: number[] = [];
      for (let r = 0; r < rowHyp.length; r++) {
        const src = rowSource[r]!;
        let dist = dists.get(src);
        if (dist === undefined) dists.set(src, (dist = samplingDistribution(lp, src * V, V, { ...filter, blocked })));
        const token = draw(dist, rng.next());
        const hyp = out[rowHyp[r]!]!;
        hyp.logProb += lp[src * V + token]!;
        hyp.length++;
        if (token === eos) hyp.finished = true;
        else {
          hyp.tokens.push(token);
          keep.push(r);
          next.push(token);
        }
      }
      if (t === maxLength || keep.length === 0) break;
      const sources = Int32Array.from(keep, (r) => rowSource[r]!);
      driver.select(sources);
      rowHyp = keep.map((r) => rowHyp[r]!);
      rowSource = rowHyp.map((_, r) => r);
      feed = Int32Array.from(next);
    }
    const result: Hypothesis[][] = [];
    for (let s = 0; s < sentences; s++) result.push(out.slice(s * n, s * n + n).map((h) => ({ ...h, score: h.logProb })));
    return result;
  });
}
