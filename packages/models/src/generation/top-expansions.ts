/** Slack of the raw log-prob prefilter: far above the rounding error of a float64 sum of log-probs. */
const SLACK = 1e-6;

/** One expansion of a beam: the beam's row, the next token and the new log-probability sum. */
export interface Expansion {
  /** Session row of the expanded beam. */
  row: number;
  /** The appended token. */
  token: number;
  /** The beam's sum plus the token's log-probability. */
  logProb: number;
}

/**
 * The `m` best expansions of beams `rowStart .. rowStart + bases.length` (row-major log-probs
 * `lp` with `vocab` columns; `bases[i]` is row rowStart+i's sum), best first; equal sums keep
 * row then token order. Token `blocked` (or -1) and non-finite sums are skipped. One pass with
 * a bounded sorted buffer: cheap when m is small against rows × vocab.
 */
export function topExpansions(lp: Float32Array, rowStart: number, bases: readonly number[], vocab: number, m: number, blocked: number): Expansion[] {
  const scores = new Float64Array(m);
  const rows = new Int32Array(m);
  const tokens = new Int32Array(m);
  let size = 0;
  for (let i = 0; i < bases.length; i++) {
    const row = rowStart + i;
    const base = bases[i]!;
    const offset = row * vocab;
    if (!(base > -Infinity) || base === Infinity) continue;
    // Prefilter on the raw log-prob (with slack for rounding of base + x); the exact test follows.
    let floor = size === m ? scores[m - 1]! - base - SLACK : -Infinity;
    for (let v = 0; v < vocab; v++) {
      const x = lp[offset + v]!;
      if (!(x >= floor) || v === blocked) continue;
      const score = base + x;
      if (!(score > -Infinity) || score === Infinity) continue;
      if (size === m && !(score > scores[m - 1]!)) continue;
      let j = size < m ? size++ : m - 1;
      while (j > 0 && scores[j - 1]! < score) {
        scores[j] = scores[j - 1]!;
        rows[j] = rows[j - 1]!;
        tokens[j] = tokens[j - 1]!;
        j--;
      }
      scores[j] = score;
      rows[j] = row;
      tokens[j] = v;
      if (size === m) floor = scores[m - 1]! - base - SLACK;
    }
  }
  const out: Expansion[] = [];
  for (let j = 0; j < size; j++) out.push({ row: rows[j]!, token: tokens[j]!, logProb: scores[j]! });
  return out;
}
