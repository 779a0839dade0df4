import { checkLengthPenalty, checkLengths, checkPositiveInt, lengthPenaltyDivisor } from './options.js';
import type { BeamSearchOptions, Hypothesis, LengthPenalty } from './options.js';
import { ArgumentError } from '@heed/core';
import type { Generative } from './session.js';
import { withSession } from './driver.js';
import { topExpansions } from './top-expansions.js';

/** A live beam: the sentence it belongs to, its tokens so far and their log-probability sum. */
interface Beam {
  sentence: number;
  tokens: number[];
  logProb: number;
}

/**
 * Beam search, batched over sentences, each with its own `beamSize` (k) beams.
 *
 * At step t every sentence ranks the expansions (beam, token) of its live beams by
 * log-probability sum (EOS excluded before `minLength`; ties keep beam then token order).
 * Expansions ending in EOS that rank among the best k become finished hypotheses of length
 * t; the best k expansions not ending in EOS become the new beams (so with k = 1 and no
 * length penalty, beam search is greedy search). The session's rows are reordered, repeated and dropped with `select` so that row r
 * always holds beam r. At `maxLength` the live beams are kept as unfinished hypotheses.
 * Each sentence keeps its k best finished hypotheses by normalised score
 * (`logProb / penalty(L)`, see `LengthPenalty`) and returns the `numReturn` best.
 *
 * Early stopping (exact): log-probabilities are ≤ 0, so a continuation of a beam with sum
 * s ≤ 0 finishing at length L ∈ [t+1, maxLength] scores at most s / max(penalty(t+1),
 * penalty(maxLength)) (the penalty is monotone in L). A sentence stops when it has
 * `numReturn` finished hypotheses and the `numReturn`-th best scores at least that bound
 * for its best live beam; its rows then leave the session. The result is therefore the
 * same as decoding every sentence to `maxLength`.
 */
export async function beamSearch<I>(model: Generative<I>, inputs: I, options: BeamSearchOptions): Promise<Hypothesis[][]> {
  const { maxLength, minLength } = checkLengths('beamSearch', options);
  const k = checkPositiveInt('beamSearch', 'beamSize', options?.beamSize);
  const numReturn = checkPositiveInt('beamSearch', 'numReturn', options.numReturn ?? 1);
  if (numReturn > k) throw new ArgumentError(`beamSearch: numReturn (${numReturn}) must not exceed beamSize (${k})`);
  const penalty = options.lengthPenalty;
  checkLengthPenalty('beamSearch', penalty);
  const earlyStopping = options.earlyStopping ?? true;
  const eos = model.eosTokenId;
  return withSession('beamSearch', model, inputs, maxLength, async (driver) => {
    const V = driver.vocabSize;
    const sentences = driver.rows;
    const finished: Hypothesis[][] = Array.from({ length: sentences }, () => []);
    let live: Beam[] = Array.from({ length: sentences }, (_, s) => ({ sentence: s, tokens: [], logProb: 0 }));
    let feed = driver.startTokens(model.bosTokenId);
    for (let t = 1; t <= maxLength && live.length > 0; t++) {
      const lp = await driver.step(feed);
      const blocked = t < minLength ? eos : -1;
      const nextLive: Beam[] = [];
      const sources: number[] = [];
      for (let start = 0; start < live.length; ) {
        const s = live[start]!.sentence;
        let end = start;
        while (end < live.length && live[end]!.sentence === s) end++;
        const bases = live.slice(start, end).map((b) => b.logProb);
        const expansions = topExpansions(lp, start, bases, V, 2 * k, blocked);
        const beams: Beam[] = [];
        const beamRows: number[] = [];
        for (let rank = 0; rank < expansions.length; rank++) {
          const { row, token, logProb } = expansions[rank]!;
          const parent = live[row]!;
          if (token === eos) {
            if (rank < k) addFinished(finished[s]!, hypothesis(parent.tokens, logProb, t, true, penalty), k);
          } else if (beams.length < k) {
            beams.push({ sentence: s, tokens: [...parent.tokens, token], logProb });
            beamRows.push(row);
          }
        }
        start = end;
        if (t === maxLength) {
          for (const b of beams) addFinished(finished[s]!, hypothesis(b.tokens, b.logProb, t, false, penalty), k);
          continue;
        }
        if (beams.length === 0) continue;
        if (earlyStopping && settled(finished[s]!, numReturn, beams[0]!.logProb, t, maxLength, penalty)) continue;
        nextLive.push(...beams);
        sources.push(...beamRows);
      }
      if (t === maxLength || nextLive.length === 0) break;
      driver.select(Int32Array.from(sources));
      live = nextLive;
      feed = Int32Array.from(live, (b) => b.tokens[b.tokens.length - 1]!);
    }
    return finished.map((list) => list.slice(0, numReturn));
  });
}

function hypothesis(tokens: number[], logProb: number, t: number, isFinished: boolean, penalty: LengthPenalty | undefined): Hypothesis {
  return { tokens, logProb, score: logProb / lengthPenaltyDivisor(penalty, t), length: t, finished: isFinished };
}

/** Inserts `h` into `list` (sorted by score, best first; equal scores keep arrival order), keeping at most `cap`. */
function addFinished(list: Hypothesis[], h: Hypothesis, cap: number): void {
  if (list.length >= cap && !(h.score > list[cap - 1]!.score)) return;
  let i = list.length;
  while (i > 0 && list[i - 1]!.score < h.score) i--;
  list.splice(i, 0, h);
  if (list.length > cap) list.length = cap;
}

/** Whether no continuation of a beam with sum `best` can enter the `numReturn` best of `list` (see beamSearch). */
function settled(list: Hypothesis[], numReturn: number, best: number, t: number, maxLength: number, penalty: LengthPenalty | undefined): boolean {
  if (list.length < numReturn || best > 0) return false;
  const divisor = Math.max(lengthPenaltyDivisor(penalty, t + 1), lengthPenaltyDivisor(penalty, maxLength));
  return list[numReturn - 1]!.score >= best / divisor;
}
