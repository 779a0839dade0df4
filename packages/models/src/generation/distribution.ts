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

/** Kept token ids and their probabilities (float64, summing to 1). */
export interface TokenDistribution {
  ids: number[];
  probs: number[];
}

/**
 * The distribution sampling draws from for one row of log-probabilities
 * `logProbs[offset .. offset + n)`: softmax(logProbs / temperature) with `blocked` removed,
 * then restricted to the `topK` most probable tokens (ties to the lowest id) and renormalised,
 * then to the smallest prefix of those, most probable first, whose mass reaches `topP`, and
 * renormalised. Ids are ascending when neither top-k nor top-p is set, most probable first
 * otherwise. Costs one native sort of the row when filtering (no comparator over the vocabulary).
 */
export function samplingDistribution(logProbs: ArrayLike<number>, offset: number, n: number, filter: SamplingFilter = {}): TokenDistribution {
  const temperature = filter.temperature ?? 1;
  const allowed: number[] = [];
  for (let i = 0; i < n; i++) if (i !== filter.blocked && logProbs[offset + i]! > -Infinity) allowed.push(i);
  if (allowed.length === 0) {
    // Nothing has finite log-probability: fall back to uniform over the allowed tokens.
    for (let i = 0; i < n; i++) if (i !== filter.blocked || n === 1) allowed.push(i);
    return { ids: allowed, probs: allowed.map(() => 1 / allowed.length) };
  }
  const values = Float64Array.from(allowed, (i) => logProbs[offset + i]! / temperature);
  if (filter.topK === undefined && filter.topP === undefined) return softmaxOver(allowed, values);
  const desc = values.slice().sort().reverse();
  const max = desc[0]!;
  let m = Math.min(allowed.length, filter.topK ?? allowed.length);
  if (filter.topP !== undefined && filter.topP < 1) {
    let z = 0;
    for (let j = 0; j < m; j++) z += Math.exp(desc[j]! - max);
    let mass = 0;
    let c = 0;
    while (c < m && mass < filter.topP) mass += Math.exp(desc[c++]! - max) / z;
    m = c;
  }
  // Keep every value above the m-th largest, then tokens equal to it by ascending id.
  const threshold = desc[m - 1]!;
  let ties = m;
  for (let j = 0; j < m && desc[j]! > threshold; j++) ties--;
  const kept: number[] = [];
  for (let j = 0; j < allowed.length; j++) {
    if (values[j]! > threshold) kept.push(j);
    else if (values[j] === threshold && ties > 0) {
      kept.push(j);
      ties--;
    }
  }
  kept.sort((a, b) => values[b]! - values[a]! || a - b);
  return softmaxOver(
    kept.map((j) => allowed[j]!),
    Float64Array.from(kept, (j) => values[j]!),
  );
}

function softmaxOver(ids: number[], values: Float64Array): TokenDistribution {
  let max = -Infinity;
  for (const v of values) max = Math.max(max, v);
  const probs = Array.from(values, (v) => Math.exp(v - max));
  let total = 0;
  for (const p of probs) total += p;
  for (let i = 0; i < probs.length; i++) probs[i]! /= total;
  return { ids, probs };
}

/** Draws a token from a distribution with one uniform number in [0, 1) (inverse CDF in the distribution's order). */
export function drawToken(dist: TokenDistribution, u: number): number {
  let cum = 0;
  for (let j = 0; j < dist.ids.length; j++) {
    cum += dist.probs[j]!;
    if (u < cum) return dist.ids[j]!;
  }
  return dist.ids[dist.ids.length - 1]!;
}
