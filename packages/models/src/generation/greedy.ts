import { checkLengths, type GreedyOptions, type Hypothesis } from './options.js';
import type { Generative } from './session.js';
import { withSession } from './driver.js';

/**
 * Greedy search: at every step each sentence takes its most probable token (ties go to
 * the lowest id; EOS is skipped before `minLength`). Rows that emit EOS are dropped from
 * the session (`select`), so finished sentences cost nothing. Returns one hypothesis per
 * sentence (`score` = `logProb`).
 */
export async function greedy<I>(model: Generative<I>, inputs: I, options: GreedyOptions = {}): Promise<Hypothesis[][]> {
  const { maxLength, minLength } = checkLengths('greedy', options);
  const eos = model.eosTokenId;
  return withSession('greedy', model, inputs, maxLength, async (driver) => {
    const V = driver.vocabSize;
    const sentences = driver.rows;
    const tokens: number[][] = Array.from({ length: sentences }, () => []);
    const logProb = new Float64Array(sentences);
    const finished = new Array<boolean>(sentences).fill(false);
    let rowSentence = Array.from({ length: sentences }, (_, s) => s);
    let feed = driver.startTokens(model.bosTokenId);
    for (let t = 1; t <= maxLength && rowSentence.length > 0; t++) {
      const lp = await driver.step(feed);
      const blockEos = t < minLength;
      const keep: number[] = [];
      const next: number[] = [];
      for (let r = 0; r < rowSentence.length; r++) {
        const s = rowSentence[r]!;
        const token = argmax(lp, r * V, V, blockEos ? eos : -1);
        logProb[s] += lp[r * V + token]!;
        if (token === eos) finished[s] = true;
        else {
          tokens[s]!.push(token);
          keep.push(r);
          next.push(token);
        }
      }
      if (t === maxLength || keep.length === 0) break;
      if (keep.length < rowSentence.length) driver.select(Int32Array.from(keep));
      rowSentence = keep.map((r) => rowSentence[r]!);
      feed = Int32Array.from(next);
    }
    return tokens.map((toks, s) => {
      const length = toks.length + (finished[s] ? 1 : 0);
      return [{ tokens: toks, logProb: logProb[s]!, score: logProb[s]!, length, finished: finished[s]! }];
    });
  });
}

/** Index of the largest of `values[offset .. offset + n)`, skipping `skip`; ties go to the lowest index. */
export function argmax(values: Float32Array, offset: number, n: number, skip: number): number {
  if (n === 1) return 0;
  let best = skip === 0 ? 1 : 0;
  let bestValue = values[offset + best]!;
  for (let i = best + 1; i < n; i++) {
    if (i === skip) continue;
    const v = values[offset + i]!;
    if (v > bestValue || (Number.isNaN(bestValue) && !Number.isNaN(v))) {
      best = i;
      bestValue = v;
    }
  }
  return best;
}
