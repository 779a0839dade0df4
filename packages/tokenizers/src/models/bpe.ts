/**
 * Byte-pair encoding. Merges are applied lowest rank first (leftmost on ties) with a
 * binary heap over a linked list of symbols: O(n log n) per word, so a 1 MB word does
 * not blow up quadratically.
 */
import { TokenizerFormatError } from '../errors.js';
import { VocabModel, vocabToObject, type Model, type WordTokens } from './model.js';

/** Options of {@link BPE}. */
export interface BPEOptions {
  /** Unknown token; chars not in the vocabulary become it, or are dropped if null (default null). */
  unkToken?: string | null;
  /** Prefix of non-initial symbols (default none). */
  continuingSubwordPrefix?: string | null;
  /** Suffix of the last symbol (default none). */
  endOfWordSuffix?: string | null;
  /** Fuse consecutive unknown tokens into one (default false). */
  fuseUnk?: boolean;
}

/** The BPE model. */
export class BPE extends VocabModel implements Model {
  readonly type = 'BPE';
  readonly unkToken: string | null;
  readonly continuingSubwordPrefix: string | null;
  readonly endOfWordSuffix: string | null;
  readonly fuseUnk: boolean;
  /** Merges as pairs of tokens, in rank order. */
  readonly merges: ReadonlyArray<readonly [string, string]>;
  private readonly unkId: number;
  private readonly stride: number;
  /** (leftId * stride + rightId) → rank * 2^21 + mergedId is too big; use two maps. */
  private readonly mergeRank = new Map<number, number>();
  private readonly mergeId = new Map<number, number>();

  constructor(vocab: Map<string, number>, merges: ReadonlyArray<readonly [string, string]>, o: BPEOptions = {}) {
    super(vocab);
    this.merges = merges;
    this.unkToken = o.unkToken ?? null;
    this.continuingSubwordPrefix = o.continuingSubwordPrefix ?? null;
    this.endOfWordSuffix = o.endOfWordSuffix ?? null;
    this.fuseUnk = o.fuseUnk ?? false;
    this.stride = this.inv.length + 1;
    if (this.unkToken !== null) {
      const u = vocab.get(this.unkToken);
      if (u === undefined) throw new TokenizerFormatError('model.unk_token', `unknown token ${JSON.stringify(this.unkToken)} is not in the vocabulary`);
      this.unkId = u;
    } else this.unkId = -1;
    const prefixLen = this.continuingSubwordPrefix?.length ?? 0;
    merges.forEach(([a, b], rank) => {
      const ia = vocab.get(a);
      if (ia === undefined) throw new TokenizerFormatError(`model.merges[${rank}]`, `token ${JSON.stringify(a)} is not in the vocabulary`);
      const ib = vocab.get(b);
      if (ib === undefined) throw new TokenizerFormatError(`model.merges[${rank}]`, `token ${JSON.stringify(b)} is not in the vocabulary`);
      const merged = a + (prefixLen > 0 && b.startsWith(this.continuingSubwordPrefix!) ? b.slice(prefixLen) : b);
      const im = vocab.get(merged);
      if (im === undefined) throw new TokenizerFormatError(`model.merges[${rank}]`, `merged token ${JSON.stringify(merged)} is not in the vocabulary`);
      const key = ia * this.stride + ib;
      if (!this.mergeRank.has(key)) {
        this.mergeRank.set(key, rank);
        this.mergeId.set(key, im);
      }
    });
  }

  tokenize(word: string, out: WordTokens): void {
    const n = word.length;
    if (n === 0) return;
    // Whole word in the vocabulary: done (common for byte-level words).
    if (this.continuingSubwordPrefix === null && this.endOfWordSuffix === null) {
      const whole = this.vocab.get(word);
      if (whole !== undefined) {
        out.ids.push(whole);
        out.starts.push(0);
        out.ends.push(n);
        return;
      }
    }
    // Initial symbols: one per code point.
    const ids = new Int32Array(n);
    const st = new Int32Array(n);
    const en = new Int32Array(n);
    let m = 0;
    const pre = this.continuingSubwordPrefix;
    const suf = this.endOfWordSuffix;
    for (let i = 0; i < n; ) {
      const c = word.charCodeAt(i);
      const w = c >= 0xd800 && c <= 0xdbff && i + 1 < n && (word.charCodeAt(i + 1) & 0xfc00) === 0xdc00 ? 2 : 1;
      let s = w === 1 ? word[i]! : word.slice(i, i + 2);
      if (pre !== null && i > 0) s = pre + s;
      if (suf !== null && i + w === n) s = s + suf;
      const id = this.vocab.get(s);
      if (id === undefined) {
        if (this.unkId >= 0) {
          if (this.fuseUnk && m > 0 && ids[m - 1] === this.unkId) en[m - 1] = i + w;
          else {
            ids[m] = this.unkId;
            st[m] = i;
            en[m] = i + w;
            m++;
          }
        }
      } else {
        ids[m] = id;
        st[m] = i;
        en[m] = i + w;
        m++;
      }
      i += w;
    }
    if (m > 1) m = this.mergeSymbols(ids, st, en, m);
    for (let k = 0; k < m; k++) {
      out.ids.push(ids[k]!);
      out.starts.push(st[k]!);
      out.ends.push(en[k]!);
    }
  }

  /** Applies merges in place; returns the new symbol count (compacted). */
  private mergeSymbols(ids: Int32Array, st: Int32Array, en: Int32Array, m: number): number {
    const next = new Int32Array(m);
    const prev = new Int32Array(m);
    const alive = new Uint8Array(m).fill(1);
    for (let k = 0; k < m; k++) {
      next[k] = k + 1 < m ? k + 1 : -1;
      prev[k] = k - 1;
    }
    // Binary heap of (rank, pos), ordered by rank then pos.
    let hr = new Int32Array(m);
    let hp = new Int32Array(m);
    let hn = 0;
    const push = (rank: number, pos: number): void => {
      if (hn === hr.length) {
        const a = new Int32Array(hn * 2);
        a.set(hr);
        hr = a;
        const b = new Int32Array(hn * 2);
        b.set(hp);
        hp = b;
      }
      let i = hn++;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (hr[p]! < rank || (hr[p] === rank && hp[p]! < pos)) break;
        hr[i] = hr[p]!;
        hp[i] = hp[p]!;
        i = p;
      }
      hr[i] = rank;
      hp[i] = pos;
    };
    const pop = (): void => {
      const r = hr[--hn]!;
      const q = hp[hn]!;
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= hn) break;
        if (c + 1 < hn && (hr[c + 1]! < hr[c]! || (hr[c + 1] === hr[c] && hp[c + 1]! < hp[c]!))) c++;
        if (r < hr[c]! || (r === hr[c] && q < hp[c]!)) break;
        hr[i] = hr[c]!;
        hp[i] = hp[c]!;
        i = c;
      }
      hr[i] = r;
      hp[i] = q;
    };
    const stride = this.stride;
    const ranks = this.mergeRank;
    for (let k = 0; k + 1 < m; k++) {
      const r = ranks.get(ids[k]! * stride + ids[k + 1]!);
      if (r !== undefined) push(r, k);
    }
    while (hn > 0) {
      const rank = hr[0]!;
      const pos = hp[0]!;
      pop();
      if (!alive[pos]) continue;
      const nx = next[pos]!;
      if (nx < 0) continue;
      const key = ids[pos]! * stride + ids[nx]!;
      if (ranks.get(key) !== rank) continue;
      ids[pos] = this.mergeId.get(key)!;
      en[pos] = en[nx]!;
      alive[nx] = 0;
      const nn = next[nx]!;
      next[pos] = nn;
      if (nn >= 0) prev[nn] = pos;
      const pv = prev[pos]!;
      if (pv >= 0) {
        const r = ranks.get(ids[pv]! * stride + ids[pos]!);
        if (r !== undefined) push(r, pv);
      }
      if (nn >= 0) {
        const r = ranks.get(ids[pos]! * stride + ids[nn]!);
        if (r !== undefined) push(r, pos);
      }
    }
    let w = 0;
    for (let k = 0; k >= 0; k = next[k]!) {
      ids[w] = ids[k]!;
      st[w] = st[k]!;
      en[w] = en[k]!;
      w++;
    }
    return w;
  }

  toJSON(): Record<string, unknown> {
    return {
      type: this.type,
      dropout: null,
      unk_token: this.unkToken,
      continuing_subword_prefix: this.continuingSubwordPrefix,
      end_of_word_suffix: this.endOfWordSuffix,
      fuse_unk: this.fuseUnk,
      byte_fallback: false,
      vocab: vocabToObject(this.vocab),
      merges: this.merges.map(([a, b]) => [a, b]),
    };
  }
}
