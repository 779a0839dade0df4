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
 * renormalised. Ids are ascending when neither top-k nor top-p (< 1) is set, most probable
 * first otherwise.
 *
 * Cost: one pass for the plain softmax; top-k keeps a bounded sorted buffer (a full sort
 * when k > 64); top-p alone sorts (natively, as numbers) only the tokens with probability
 * > (1 - p) / (2n), since a token at or below (1 - p) / n has at least mass p above it and
 * is never in the nucleus, and then sorts the nucleus with its ids.
 */
export function samplingDistribution(logProbs: ArrayLike<number>, offset: number, n: number, filter: SamplingFilter = {}): TokenDistribution {
  const temperature = filter.temperature ?? 1;
  const blocked = filter.blocked ?? -1;
  const values = new Float64Array(n);
  let max = -Infinity;
  let count = 0;
  for (let i = 0; i < n; i++) {
    const v = logProbs[offset + i]!;
    if (i === blocked || !(v > -Infinity)) values[i] = -Infinity;
    else {
      values[i] = v / temperature;
      if (values[i]! > max) max = values[i]!;
      count++;
    }
  }
  if (count === 0) {
    // Nothing has finite log-probability: fall back to uniform over the allowed tokens.
    const ids: number[] = [];
    for (let i = 0; i < n; i++) if (i !== blocked || n === 1) ids.push(i);
    return { ids, probs: ids.map(() => 1 / ids.length) };
  }
  const topK = filter.topK;
  const topP = filter.topP !== undefined && filter.topP < 1 ? filter.topP : undefined; // p = 1 keeps everything
  let ranked: number[];
  let z = 0;
  if (topK === undefined && topP === undefined) {
    ranked = [];
    for (let i = 0; i < n; i++) if (values[i]! > -Infinity) ranked.push(i);
    return softmaxOver(ranked, values, max);
  }
  if (topK !== undefined && topK < count) {
    ranked = topK <= 64 ? topIds(values, topK) : sortedIds(values, -Infinity);
    ranked.length = topK;
    for (const i of ranked) z += Math.exp(values[i]! - max);
  } else {
    for (let i = 0; i < n; i++) z += Math.exp(values[i]! - max);
    ranked = topP !== undefined ? nucleusIds(values, max, z, topP, count) : sortedIds(values, -Infinity);
  }
  let m = ranked.length;
  if (topP !== undefined) {
    let mass = 0;
    let c = 0;
    while (c < m && mass < topP) mass += Math.exp(values[ranked[c++]!]! - max) / z;
    m = c;
  }
  ranked.length = m;
  return softmaxOver(ranked, values, max);
}

/** Ids with value > `cutoff` (finite ones when cutoff is -Infinity), by value descending then id. */
function sortedIds(values: Float64Array, cutoff: number): number[] {
  const ids: number[] = [];
  for (let i = 0; i < values.length; i++) if (values[i]! > cutoff) ids.push(i);
  return ids.sort((a, b) => values[b]! - values[a]! || a - b);
}

/**
 * The top-p nucleus's ids, by value descending then id: candidates above the cutoff
 * (see `samplingDistribution`) sorted natively as numbers to find the nucleus's smallest
 * value, then only the nucleus sorted with ids.
 */
function nucleusIds(values: Float64Array, max: number, z: number, topP: number, count: number): number[] {
  const cutoff = max + Math.log((z * (1 - topP)) / (2 * count));
  let size = 0;
  for (let i = 0; i < values.length; i++) if (values[i]! > cutoff) size++;
  const candidates = new Float64Array(size);
  size = 0;
  for (let i = 0; i < values.length; i++) if (values[i]! > cutoff) candidates[size++] = values[i]!;
  candidates.sort();
  let mass = 0;
  let m = 0;
  while (m < size && mass < topP) mass += Math.exp(candidates[size - 1 - m++]! - max) / z;
  const threshold = candidates[size - m]!;
  let ties = m;
  for (let j = size - 1; j >= 0 && candidates[j]! > threshold; j--) ties--;
  const ids: number[] = [];
  for (let i = 0; i < values.length; i++) {
    if (values[i]! > threshold) ids.push(i);
    else if (values[i] === threshold && ties > 0) {
      ids.push(i);
      ties--;
    }
  }
  return ids.sort((a, b) => values[b]! - values[a]! || a - b);
}

/** The k largest values' ids (k ≤ count of finite values), by value descending then id: one pass with a sorted buffer. */
function topIds(values: Float64Array, k: number): number[] {
  const ids = new Int32Array(k);
  const best = new Float64Array(k).fill(-Infinity);
  let size = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!(v > -Infinity) || (size === k && !(v > best[k - 1]!))) continue;
    let j = size < k ? size++ : k - 1;
    while (j > 0 && best[j - 1]! < v) {
      best[j] = best[j - 1]!;
      ids[j] = ids[j - 1]!;
      j--;
    }
    best[j] = v;
    ids[j] = i;
  }
  return Array.from(ids.subarray(0, size));
}

function softmaxOver(ids: number[], values: Float64Array, max: number): TokenDistribution {
  const probs = new Array<number>(ids.length);
  let total = 0;
  for (let j = 0; j < ids.length; j++) total += probs[j] = Math.exp(values[ids[j]!]! - max);
  for (let j = 0; j < ids.length; j++) probs[j]! /= total;
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

/**
 * Draws one token from softmax(row / temperature) without `blocked`, with one uniform
 * number in [0, 1): the unfiltered case of `samplingDistribution` + `drawToken` in two
 * passes over the row and no allocation (`scratch` holds at least n numbers).
 */
export function drawFromRow(
  logProbs: Float32Array,
  offset: number,
  n: number,
  temperature: number,
  blocked: number,
  u: number,
  scratch: Float64Array,
): number {
  let max = -Infinity;
  for (let i = 0; i < n; i++) if (i !== blocked && logProbs[offset + i]! > max) max = logProbs[offset + i]!;
  if (!(max > -Infinity)) return drawToken(samplingDistribution(logProbs, offset, n, { blocked }), u);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const v = logProbs[offset + i]!;
    total += i === blocked || !(v > -Infinity) ? 0 : Math.exp((v - max) / temperature);
    scratch[i] = total;
  }
  const target = u * total;
  let last = -1;
  for (let i = 0; i < n; i++) {
    if (i === blocked || !(logProbs[offset + i]! > -Infinity)) continue;
    if (target < scratch[i]!) return i;
    last = i;
  }
  return last;
}
