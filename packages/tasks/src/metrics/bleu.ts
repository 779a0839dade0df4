/**
 * Corpus BLEU exactly as sacreBLEU 2.x computes it with its defaults: the `13a`
 * tokenisation (mteval-v13a.pl), `exp` smoothing, case-sensitive, maximum order 4, no
 * effective order, brevity penalty against the closest reference length (shorter on
 * ties). Scores are on sacreBLEU's 0–100 scale.
 */
import { TaskInputError } from '../errors.js';
import { pyRstrip, pySplit } from './python-text.js';

/** Options of {@link corpusBleu}. */
export interface BleuOptions {
  /** Lower-case hypotheses and references first (sacreBLEU `lowercase`, default false). */
  lowercase?: boolean;
  /** Tokenisation: `13a` (default) or `none` (split on whitespace only). */
  tokenize?: '13a' | 'none';
  /** Maximum n-gram order (default 4). */
  maxNgramOrder?: number;
}

/** sacreBLEU's BLEU result: the score and the statistics it came from. */
export interface BleuScore {
  /** BLEU on a 0–100 scale. */
  score: number;
  /** Clipped n-gram matches per order (1-grams first). */
  counts: number[];
  /** Hypothesis n-grams per order. */
  totals: number[];
  /** Smoothed precisions per order, 0–100. */
  precisions: number[];
  /** Brevity penalty. */
  bp: number;
  /** Total hypothesis length in tokens. */
  sysLen: number;
  /** Total (closest) reference length in tokens. */
  refLen: number;
}

const RE_PUNCT = /([\{-\~\[-\` -\&\(-\+\:-\@\/])/g;
const RE_PERIOD_COMMA_BEFORE = /([^0-9])([\.,])/gu;
const RE_PERIOD_COMMA_AFTER = /([\.,])([^0-9])/gu;
const RE_DASH = /([0-9])(-)/g;

/** sacreBLEU's `13a` tokeniser (mteval-v13a.pl's): returns the tokens. */
export function tokenize13a(line: string): string[] {
  let s = line.replaceAll('<skipped>', '').replaceAll('-\n', '').replaceAll('\n', ' ');
  if (s.includes('&')) s = s.replaceAll('&quot;', '"').replaceAll('&amp;', '&').replaceAll('&lt;', '<').replaceAll('&gt;', '>');
  s = ` ${s} `;
  s = s.replace(RE_PUNCT, ' $1 ');
  s = s.replace(RE_PERIOD_COMMA_BEFORE, '$1 $2 ');
  s = s.replace(RE_PERIOD_COMMA_AFTER, ' $1 $2');
  s = s.replace(RE_DASH, '$1 $2 ');
  return pySplit(s);
}

function tokens(s: string, o: BleuOptions): string[] {
  let t = o.lowercase ? s.toLowerCase() : s;
  t = pyRstrip(t);
  return (o.tokenize ?? '13a') === '13a' ? tokenize13a(t) : pySplit(t);
}

/** N-gram counts per order (index n-1), keyed by the tokens joined with a space (tokens hold no spaces). */
function ngramCounts(toks: readonly string[], maxOrder: number): Map<string, number>[] {
  const out: Map<string, number>[] = [];
  for (let n = 1; n <= maxOrder; n++) {
    const m = new Map<string, number>();
    for (let i = 0; i + n <= toks.length; i++) {
      const key = toks.slice(i, i + n).join(' ');
      m.set(key, (m.get(key) ?? 0) + 1);
    }
    out.push(m);
  }
  return out;
}

function closestRefLen(hypLen: number, refLens: readonly number[]): number {
  let closestDiff = -1;
  let closest = -1;
  for (const r of refLens) {
    const d = Math.abs(hypLen - r);
    if (closestDiff === -1 || d < closestDiff) {
      closestDiff = d;
      closest = r;
    } else if (d === closestDiff) closest = Math.min(r, closest);
  }
  return closest;
}

/**
 * sacreBLEU's `compute_bleu` from corpus statistics (exp smoothing, no effective order).
 * Exposed so scores can be recomputed from summed statistics.
 */
export function bleuFromStats(counts: readonly number[], totals: readonly number[], sysLen: number, refLen: number): BleuScore {
  const order = counts.length;
  const bp = sysLen < refLen ? (sysLen > 0 ? Math.exp(1 - refLen / sysLen) : 0) : 1;
  const precisions = new Array<number>(order).fill(0);
  const out = (score: number): BleuScore => ({ score, counts: [...counts], totals: [...totals], precisions, bp, sysLen, refLen });
  if (!counts.some((c) => c > 0)) return out(0);
  let smooth = 1;
  for (let n = 0; n < order; n++) {
    if (totals[n] === 0) break;
    if (counts[n] === 0) {
      smooth *= 2;
      precisions[n] = 100 / (smooth * totals[n]!);
    } else precisions[n] = (100 * counts[n]!) / totals[n]!;
  }
  // sacreBLEU's my_log: log(0) is -9999999999, so a missing order gives a score of 0.
  const logSum = precisions.reduce((s, p) => s + (p === 0 ? -9999999999 : Math.log(p)), 0);
  return out(bp * Math.exp(logSum / order));
}

/**
 * Corpus BLEU of `hypotheses` against one or more reference streams, as
 * `sacrebleu.corpus_bleu(hypotheses, references)`: `references[k][i]` is the k-th
 * reference of sentence i. Throws {@link TaskInputError} when a stream's length differs.
 */
export function corpusBleu(hypotheses: readonly string[], references: readonly (readonly string[])[], options: BleuOptions = {}): BleuScore {
  const maxOrder = options.maxNgramOrder ?? 4;
  if (!Number.isInteger(maxOrder) || maxOrder < 1) throw new TaskInputError(`corpusBleu: maxNgramOrder must be a positive integer, got ${maxOrder}`);
  if (references.length === 0) throw new TaskInputError('corpusBleu: no reference streams given');
  references.forEach((stream, k) => {
    if (stream.length !== hypotheses.length) {
      throw new TaskInputError(`corpusBleu: reference stream ${k} has ${stream.length} sentences but there are ${hypotheses.length} hypotheses`);
    }
  });
  const counts = new Array<number>(maxOrder).fill(0);
  const totals = new Array<number>(maxOrder).fill(0);
  let sysLen = 0;
  let refLen = 0;
  for (let i = 0; i < hypotheses.length; i++) {
    const hyp = tokens(hypotheses[i]!, options);
    const refs = references.map((stream) => tokens(stream[i]!, options));
    const maxRef = ngramCounts([], maxOrder);
    for (const r of refs) {
      ngramCounts(r, maxOrder).forEach((m, n) => {
        for (const [g, c] of m) if (c > (maxRef[n]!.get(g) ?? 0)) maxRef[n]!.set(g, c);
      });
    }
    ngramCounts(hyp, maxOrder).forEach((m, n) => {
      for (const [g, c] of m) counts[n]! += Math.min(c, maxRef[n]!.get(g) ?? 0);
    });
    for (let n = 1; n <= maxOrder; n++) totals[n - 1]! += Math.max(0, hyp.length - n + 1);
    sysLen += hyp.length;
    refLen += closestRefLen(
      hyp.length,
      refs.map((r) => r.length),
    );
  }
  return bleuFromStats(counts, totals, sysLen, refLen);
}

/** sacreBLEU's one-line summary, e.g. `BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)`. */
export function formatBleu(b: BleuScore): string {
  const ratio = b.refLen > 0 ? b.sysLen / b.refLen : 0;
  const p = b.precisions.map((x) => x.toFixed(1)).join('/');
  return `BLEU = ${b.score.toFixed(2)} ${p} (BP = ${b.bp.toFixed(3)} ratio = ${ratio.toFixed(3)} hyp_len = ${b.sysLen} ref_len = ${b.refLen})`;
}
