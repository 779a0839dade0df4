import { Rng } from '@heed/core';
import { checkLengths, checkPositiveInt, checkSampling, type Hypothesis, type SampleOptions } from './options.js';
import type { Generative } from './session.js';
import { withSession } from './driver.js';
import { drawFromRow, drawToken, samplingDistribution, type TokenDistribution } from './distribution.js';

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
    const plain = filter.topK === undefined && (filter.topP === undefined || filter.topP >= 1);
    const scratch = new Float64Array(V);
    for (let t = 1; t <= maxLength && rowHyp.length > 0; t++) {
      const lp = await driver.step(feed);
      const blocked = t < minLength ? eos : -1;
      const dists = new Map<number, TokenDistribution>();
      const keep: number[] = [];
      const next: number[] = [];
      for (let r = 0; r < rowHyp.length; r++) {
        const src = rowSource[r]!;
        let token: number;
        if (plain) token = drawFromRow(lp, src * V, V, filter.temperature ?? 1, blocked, rng.next(), scratch);
        else {
          let dist = dists.get(src);
          if (dist === undefined) dists.set(src, (dist = samplingDistribution(lp, src * V, V, { ...filter, blocked })));
          token = drawToken(dist, rng.next());
        }
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
