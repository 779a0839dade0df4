/**
 * The result of encoding: ids and everything aligned with them. Offsets are UTF-16
 * code-unit indices into the ORIGINAL string of the sequence the token comes from
 * (`text.slice(start, end)`); special and padding tokens have `[0, 0]`.
 */
export class Encoding {
  /** Token ids. */
  readonly ids: number[];
  /** Token strings. */
  readonly tokens: string[];
  /** Start offset of each token (UTF-16 units of its sequence's original text). */
  readonly starts: number[];
  /** End offset (exclusive) of each token. */
  readonly ends: number[];
  /** Segment (token type) id of each token. */
  readonly typeIds: number[];
  /** 1 for real tokens, 0 for padding. */
  readonly attentionMask: number[];
  /** 1 for special tokens added by the post-processor and for padding. */
  readonly specialTokensMask: number[];
  /** Index of the pre-tokenized word each token comes from (null for special/padding tokens). */
  readonly wordIds: (number | null)[];
  /** Which input sequence (0 or 1) each token comes from (null for special/padding tokens). */
  readonly sequenceIds: (number | null)[];
  /** Further windows when truncation with overflow produced more than one. */
  overflowing: Encoding[];
  private offsetsCache: Array<[number, number]> | null = null;

  constructor(f: {
    ids: number[];
    tokens: string[];
    starts: number[];
    ends: number[];
    typeIds: number[];
    attentionMask: number[];
    specialTokensMask: number[];
    wordIds: (number | null)[];
    sequenceIds: (number | null)[];
    overflowing?: Encoding[];
  }) {
    this.ids = f.ids;
    this.tokens = f.tokens;
    this.starts = f.starts;
    this.ends = f.ends;
    this.typeIds = f.typeIds;
    this.attentionMask = f.attentionMask;
    this.specialTokensMask = f.specialTokensMask;
    this.wordIds = f.wordIds;
    this.sequenceIds = f.sequenceIds;
    this.overflowing = f.overflowing ?? [];
  }

  /** Number of tokens. */
  get length(): number {
    return this.ids.length;
  }

  /** `[start, end)` of each token, built on first access. */
  get offsets(): Array<[number, number]> {
    if (this.offsetsCache === null) {
      const n = this.ids.length;
      const o = new Array<[number, number]>(n);
      for (let i = 0; i < n; i++) o[i] = [this.starts[i]!, this.ends[i]!];
      this.offsetsCache = o;
    }
    return this.offsetsCache;
  }

  /** An empty encoding. */
  static empty(): Encoding {
    return new Encoding({ ids: [], tokens: [], starts: [], ends: [], typeIds: [], attentionMask: [], specialTokensMask: [], wordIds: [], sequenceIds: [] });
  }

  /** Tokens `[a, b)` as a new encoding (without overflow). */
  slice(a: number, b: number): Encoding {
    return new Encoding({
      ids: this.ids.slice(a, b),
      tokens: this.tokens.slice(a, b),
      starts: this.starts.slice(a, b),
      ends: this.ends.slice(a, b),
      typeIds: this.typeIds.slice(a, b),
      attentionMask: this.attentionMask.slice(a, b),
      specialTokensMask: this.specialTokensMask.slice(a, b),
      wordIds: this.wordIds.slice(a, b),
      sequenceIds: this.sequenceIds.slice(a, b),
    });
  }

  /** Concatenation of encodings (without overflow). */
  static concat(parts: readonly Encoding[]): Encoding {
    if (parts.length === 1) return parts[0]!.slice(0, parts[0]!.length);
    const cat = <T>(f: (e: Encoding) => T[]): T[] => ([] as T[]).concat(...parts.map(f));
    return new Encoding({
      ids: cat((e) => e.ids),
      tokens: cat((e) => e.tokens),
      starts: cat((e) => e.starts),
      ends: cat((e) => e.ends),
      typeIds: cat((e) => e.typeIds),
      attentionMask: cat((e) => e.attentionMask),
      specialTokensMask: cat((e) => e.specialTokensMask),
      wordIds: cat((e) => e.wordIds),
      sequenceIds: cat((e) => e.sequenceIds),
    });
  }

  /** Span of token `i` in the original text, or null for special/padding tokens. */
  tokenToChars(i: number): [number, number] | null {
    if (this.sequenceIds[i] == null) return null;
    return [this.starts[i]!, this.ends[i]!];
  }

  /** Index of the token covering original char (unit) `pos` of sequence `seq`, or null. */
  charToToken(pos: number, seq = 0): number | null {
    for (let i = 0; i < this.ids.length; i++) {
      if (this.sequenceIds[i] === seq && this.starts[i]! <= pos && pos < this.ends[i]!) return i;
    }
    return null;
  }

  /** A plain object (for JSON / structured clone). */
  toJSON(): Record<string, unknown> {
    return {
      ids: this.ids,
      tokens: this.tokens,
      offsets: this.offsets,
      typeIds: this.typeIds,
      attentionMask: this.attentionMask,
      specialTokensMask: this.specialTokensMask,
      wordIds: this.wordIds,
      sequenceIds: this.sequenceIds,
      overflowing: this.overflowing.map((o) => o.toJSON()),
    };
  }
}
