/**
 * The tokenizer pipeline: added tokens → normalizer → pre-tokenizer → model →
 * truncation → post-processor → padding, with exact offsets into the original text.
 */
import { AddedVocabulary, type AddedToken, type AddedTokenInput } from './added-tokens.js';
import { AlignedBuilder, type AlignedString } from './aligned.js';
import { toByteLevel } from './bytes.js';
import type { Decoder } from './decoders.js';
import { Encoding } from './encoding.js';
import { TokenizerInputError } from './errors.js';
import { partsFromGpt2, partsFromJSON, partsFromVocab, type FromVocabOptions } from './factories.js';
import { parseVocabTxt } from './json.js';
import type { Model, WordTokens } from './models/model.js';
import type { Normalizer } from './normalizers.js';
import { padBatch, paddingToJSON, type PaddingOptions } from './padding.js';
import type { PostProcessor } from './post-processors.js';
import type { PreTokenizer } from './pre-tokenizers.js';
import { checkTruncation, overflowPairs, truncatePair, truncationToJSON, type TruncationOptions } from './truncation.js';
import { isWhitespace } from './unicode.js';

export type { AddedToken, AddedTokenInput } from './added-tokens.js';
export type { FromVocabOptions } from './factories.js';
export type { PaddingOptions } from './padding.js';
export type { TruncationOptions } from './truncation.js';

/** Options of {@link Tokenizer.encode}. */
export interface EncodeOptions {
  /** Add the post-processor's special tokens (default true). */
  addSpecialTokens?: boolean;
}

/** Options of {@link Tokenizer.decode}. */
export interface DecodeOptions {
  /** Leave out special tokens (default true). */
  skipSpecialTokens?: boolean;
}

/** One input of {@link Tokenizer.encodeBatch}: a text or a pair of texts. */
export type EncodeInput = string | readonly [string, string];

/** The components of a tokenizer. */
export interface TokenizerParts {
  normalizer?: Normalizer | null;
  preTokenizer?: PreTokenizer | null;
  model: Model;
  postProcessor?: PostProcessor | null;
  decoder?: Decoder | null;
  addedTokens?: AddedToken[];
  truncation?: TruncationOptions | null;
  padding?: PaddingOptions | null;
}

const CACHE_MAX = 100_000;
const CACHE_WORD_MAX = 64;

/** A raw (pre-post-processing) encoding under construction. */
interface Raw {
  ids: number[];
  tokens: string[];
  starts: number[];
  ends: number[];
  wordIds: (number | null)[];
}

/** A tokenizer: the HF-style pipeline and its encode / decode API. */
export class Tokenizer {
  /** Loads a Hugging Face `tokenizer.json` (text or parsed object). Malformed input throws {@link TokenizerFormatError} naming the key. */
  static fromJSON(json: string | object): Tokenizer {
    return new Tokenizer(partsFromJSON(json));
  }

  /** Loads a `tokenizer.json` text. */
  static fromString(json: string): Tokenizer {
    return Tokenizer.fromJSON(json);
  }

  /**
   * Builds a tokenizer from a vocabulary (an array of tokens indexed by id, a Map or a
   * `{token: id}` object). WordPiece gets BERT's pipeline; word-level splits on whitespace
   * (and BERT's punctuation rules); char-level maps every code point.
   */
  static fromVocab(vocab: readonly string[] | Map<string, number> | Record<string, number>, o: FromVocabOptions = {}): Tokenizer {
    return new Tokenizer(partsFromVocab(vocab, o));
  }

  /** Builds a BERT tokenizer from the text of a `vocab.txt`. */
  static fromBertVocab(vocabTxt: string, o: Omit<FromVocabOptions, 'model'> = {}): Tokenizer {
    return Tokenizer.fromVocab(parseVocabTxt(vocabTxt), { ...o, model: 'wordpiece' });
  }

  /**
   * Builds a GPT-2 byte-level BPE tokenizer from the texts of `vocab.json` and `merges.txt`
   * (as HF's `gpt2`: no prefix space, `<|endoftext|>` as a special token when present).
   */
  static fromGpt2(vocabJson: string | object, mergesTxt: string, o: { addPrefixSpace?: boolean } = {}): Tokenizer {
    return new Tokenizer(partsFromGpt2(vocabJson, mergesTxt, o));
  }

  normalizer: Normalizer | null;
  preTokenizer: PreTokenizer | null;
  readonly model: Model;
  postProcessor: PostProcessor | null;
  decoder: Decoder | null;
  /** Truncation settings, or null for none. */
  truncation: TruncationOptions | null;
  /** Padding settings, or null for none. */
  padding: PaddingOptions | null;
  private readonly added = new AddedVocabulary();
  private readonly cache = new Map<string, Int32Array>();
  /** Maximum number of cached word tokenizations (0 disables the cache). */
  wordCacheSize = CACHE_MAX;
  private readonly tmp: WordTokens = { ids: [], starts: [], ends: [] };
  private readonly inv: string[];

  constructor(parts: TokenizerParts) {
    this.normalizer = parts.normalizer ?? null;
    this.preTokenizer = parts.preTokenizer ?? null;
    this.model = parts.model;
    this.postProcessor = parts.postProcessor ?? null;
    this.decoder = parts.decoder ?? null;
    this.truncation = parts.truncation ?? null;
    this.padding = parts.padding ?? null;
    this.inv = [];
    for (let id = 0; id < this.model.vocabSize; id++) this.inv[id] = this.model.idToToken(id) ?? '';
    for (const t of parts.addedTokens ?? []) this.registerAdded(t);
  }

  private registerAdded(t: AddedToken): void {
    this.added.add(t);
    this.inv[t.id] = t.content;
  }

  /**
   * Adds tokens; returns how many were new. A string is a token with default flags; as in
   * HF, a token is `normalized` (matched in the normalized text) unless it is special.
   * A token already in the model's vocabulary keeps its id; others get new ids.
   */
  addTokens(tokens: readonly AddedTokenInput[], special = false): number {
    let n = 0;
    for (const x of tokens) {
      const t = typeof x === 'string' ? { content: x } : x;
      const c = t.content;
      if (this.added.byContent.has(c)) continue;
      const sp = t.special ?? special;
      const id = this.model.tokenToId(c) ?? Math.max(this.model.vocabSize, this.inv.length);
      const tok: AddedToken = { id, content: c, special: sp, normalized: t.normalized ?? !sp };
      if (t.singleWord !== undefined) tok.singleWord = t.singleWord;
      if (t.lstrip !== undefined) tok.lstrip = t.lstrip;
      if (t.rstrip !== undefined) tok.rstrip = t.rstrip;
      this.registerAdded(tok);
      n++;
    }
    return n;
  }

  /** Adds special tokens (skipped by `decode`); returns how many were new. */
  addSpecialTokens(tokens: readonly AddedTokenInput[]): number {
    return this.addTokens(tokens, true);
  }

  /** The added tokens. */
  get addedTokens(): readonly AddedToken[] {
    return this.added.tokens;
  }

  /** Vocabulary size, added tokens included. */
  getVocabSize(withAddedTokens = true): number {
    return withAddedTokens ? this.inv.length : this.model.vocabSize;
  }

  /** The vocabulary as token → id, added tokens included. */
  getVocab(withAddedTokens = true): Map<string, number> {
    const v = this.model.getVocab();
    if (withAddedTokens) for (const a of this.added.tokens) v.set(a.content, a.id);
    return v;
  }

  /** Id of a token (added tokens first), or undefined. */
  tokenToId(token: string): number | undefined {
    return this.added.byContent.get(token)?.id ?? this.model.tokenToId(token);
  }

  /** Token of an id, or undefined. */
  idToToken(id: number): string | undefined {
    return this.added.byId.get(id)?.content ?? this.model.idToToken(id);
  }

  /** Sets truncation. */
  enableTruncation(o: TruncationOptions): this {
    checkTruncation(o, this.postProcessor?.addedTokens(false) ?? 0);
    this.truncation = o;
    return this;
  }
  /** Removes truncation. */
  noTruncation(): this {
    this.truncation = null;
    return this;
  }
  /** Sets padding. */
  enablePadding(o: PaddingOptions = {}): this {
    this.padding = o;
    return this;
  }
  /** Removes padding. */
  noPadding(): this {
    this.padding = null;
    return this;
  }

  // ---------------------------------------------------------------- encode

  /** Tokenizes one word (cached): triples of id, start, end relative to the word. */
  private wordTokens(word: string): Int32Array {
    const hit = this.cache.get(word);
    if (hit !== undefined) return hit;
    const t = this.tmp;
    t.ids.length = 0;
    t.starts.length = 0;
    t.ends.length = 0;
    if (this.preTokenizer?.byteLevel) {
      const us: number[] = [];
      const ue: number[] = [];
      const bl = toByteLevel(word, us, ue);
      this.model.tokenize(bl, t);
      for (let k = 0; k < t.ids.length; k++) {
        const s = t.starts[k]!;
        const e = t.ends[k]!;
        t.starts[k] = us[s]!;
        t.ends[k] = e > s ? ue[e - 1]! : us[s]!;
      }
    } else this.model.tokenize(word, t);
    const n = t.ids.length;
    const r = new Int32Array(n * 3);
    for (let k = 0; k < n; k++) {
      r[3 * k] = t.ids[k]!;
      r[3 * k + 1] = t.starts[k]!;
      r[3 * k + 2] = t.ends[k]!;
    }
    if (word.length <= CACHE_WORD_MAX && this.wordCacheSize > 0) {
      if (this.cache.size >= this.wordCacheSize) this.cache.clear();
      this.cache.set(word, r);
    }
    return r;
  }

  /**
   * Runs normalizer, pre-tokenizer and model over `text[a..b)` (no raw-text added tokens
   * inside), with the normalized-text added tokens found after normalization.
   */
  private encodeRange(text: string, a: number, b: number, raw: Raw, wordBase: number): number {
    const sub = a === 0 && b === text.length ? text : text.slice(a, b);
    let norm: AlignedString = { text: sub, start: null, end: null };
    if (this.normalizer !== null) norm = this.normalizer.normalize(norm);
    if (this.added.normalizedCount === 0) return this.encodeNormalized(norm, 0, norm.text.length, a, raw, wordBase);
    let word = wordBase;
    const ns = norm.start;
    const ne = norm.end;
    this.added.splitNormalized(
      norm.text,
      this.normalizer,
      (s, e) => {
        word = this.encodeNormalized(norm, s, e, a, raw, word);
      },
      (tok, s, e) => {
        raw.ids.push(tok.id);
        raw.tokens.push(tok.content);
        raw.starts.push(a + (ns === null ? s : ns[s]!));
        raw.ends.push(a + (ne === null ? e : ne[e - 1]!));
        raw.wordIds.push(word++);
      },
    );
    return word;
  }

  /**
   * Runs pre-tokenizer and model over units `[s0, e0)` of `norm`, the normalized form of
   * the original text from `base` on; offsets go back to the original text.
   */
  private encodeNormalized(norm: AlignedString, s0: number, e0: number, base: number, raw: Raw, wordBase: number): number {
    if (e0 <= s0) return wordBase;
    const pt = this.preTokenizer;
    if (pt !== null && pt.addPrefixSpace && !isWhitespace(norm.text.codePointAt(s0)!)) {
      // The prefix space maps to where the piece starts.
      const at = norm.start === null ? s0 : norm.start[s0]!;
      const bld = new AlignedBuilder(e0 - s0 + 1);
      bld.push(' ', at, at);
      bld.pushAligned(norm, s0, e0);
      norm = bld.build();
      s0 = 0;
      e0 = norm.text.length;
    }
    const nt = norm.text;
    const spans: number[] = [];
    if (pt !== null) pt.splitRange(nt, s0, e0, spans);
    else spans.push(s0, e0);
    const ns = norm.start;
    const ne = norm.end;
    const a = base;
    const inv = this.inv;
    const { ids, tokens, starts, ends, wordIds } = raw;
    let word = wordBase;
    for (let k = 0; k < spans.length; k += 2) {
      const s = spans[k]!;
      const e = spans[k + 1]!;
      const r = this.wordTokens(nt.slice(s, e));
      for (let j = 0; j < r.length; j += 3) {
        const id = r[j]!;
        ids.push(id);
        tokens.push(inv[id]!);
        if (ns === null) {
          starts.push(a + s + r[j + 1]!);
          ends.push(a + s + r[j + 2]!);
        } else {
          starts.push(a + ns[s + r[j + 1]!]!);
          ends.push(a + ne![s + r[j + 2]! - 1]!);
        }
        wordIds.push(word);
      }
      word++;
    }
    return word;
  }

  /** Encodes one sequence without post-processing. */
  private encodeSequence(text: string, seq: number): Encoding {
    const raw: Raw = { ids: [], tokens: [], starts: [], ends: [], wordIds: [] };
    let word = 0;
    if (this.added.rawCount === 0) word = this.encodeRange(text, 0, text.length, raw, word);
    else
      this.added.split(
        text,
        (a, b) => {
          word = this.encodeRange(text, a, b, raw, word);
        },
        (tok, s, e) => {
          raw.ids.push(tok.id);
          raw.tokens.push(tok.content);
          raw.starts.push(s);
          raw.ends.push(e);
          raw.wordIds.push(word++);
        },
      );
    const n = raw.ids.length;
    return new Encoding({
      ids: raw.ids,
      tokens: raw.tokens,
      starts: raw.starts,
      ends: raw.ends,
      typeIds: new Array<number>(n).fill(seq),
      attentionMask: new Array<number>(n).fill(1),
      specialTokensMask: new Array<number>(n).fill(0),
      wordIds: raw.wordIds,
      sequenceIds: new Array<number>(n).fill(seq),
    });
  }

  /**
   * Encodes a text, or a pair of texts, into ids, tokens, offsets (UTF-16 units of the
   * original texts), type ids and the attention mask. With truncation, extra windows
   * are in `overflowing`.
   */
  encode(text: string, pair?: string | null, options: EncodeOptions = {}): Encoding {
    const e = this.encodeUnpadded(text, pair, options);
    if (this.padding !== null) padBatch([e], this.padding);
    return e;
  }

  private encodeUnpadded(text: string, pair: string | null | undefined, options: EncodeOptions): Encoding {
    if (typeof text !== 'string') throw new TokenizerInputError(`encode: text must be a string, got ${typeof text}`);
    if (pair != null && typeof pair !== 'string') throw new TokenizerInputError(`encode: pair must be a string, got ${typeof pair}`);
    const add = options.addSpecialTokens ?? true;
    const a = this.encodeSequence(text, 0);
    const b = pair != null ? this.encodeSequence(pair, 1) : null;
    const [aw, bw] = this.truncate(a, b, add);
    const texts: [string, string | null] = [text, pair ?? null];
    const out: Encoding[] = [];
    for (const [x, y] of overflowPairs(aw, bw)) out.push(this.postProcess(x, y, add, texts));
    const main = out[0]!;
    main.overflowing = out.slice(1);
    return main;
  }

  private postProcess(a: Encoding, b: Encoding | null, add: boolean, texts: [string, string | null]): Encoding {
    if (this.postProcessor !== null) return this.postProcessor.process(a, b, add, texts);
    return b === null ? a : Encoding.concat([a, b]);
  }

  /** Encodes many inputs; the same results as one at a time, then padded together. */
  encodeBatch(inputs: readonly EncodeInput[], options: EncodeOptions = {}): Encoding[] {
    if (!Array.isArray(inputs)) throw new TokenizerInputError('encodeBatch: inputs must be an array');
    const out = inputs.map((x) => (typeof x === 'string' ? this.encodeUnpadded(x, null, options) : this.encodeUnpadded(x[0], x[1], options)));
    if (this.padding !== null) padBatch(out, this.padding);
    return out;
  }

  private truncate(a: Encoding, b: Encoding | null, add: boolean): [Encoding[], (Encoding | null)[]] {
    if (this.truncation === null) return [[a], [b]];
    const added = add && this.postProcessor !== null ? this.postProcessor.addedTokens(b !== null) : 0;
    return truncatePair(a, b, added, this.truncation);
  }

  // ---------------------------------------------------------------- decode

  /** Converts ids back to text. Unknown ids throw {@link TokenizerInputError}. */
  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    if (!Array.isArray(ids)) throw new TokenizerInputError('decode: ids must be an array of numbers');
    const skip = options.skipSpecialTokens ?? true;
    const toks: string[] = [];
    for (const id of ids) {
      const added = this.added.byId.get(id);
      if (added !== undefined) {
        if (!(skip && added.special)) toks.push(added.content);
        continue;
      }
      const t = Number.isInteger(id) ? this.model.idToToken(id) : undefined;
      if (t === undefined) throw new TokenizerInputError(`decode: id ${String(id)} is not in the vocabulary (size ${this.getVocabSize()})`);
      toks.push(t);
    }
    return this.decoder !== null ? this.decoder.decode(toks) : toks.join(' ');
  }

  /** Decodes many id sequences. */
  decodeBatch(batch: readonly (readonly number[])[], options: DecodeOptions = {}): string[] {
    return batch.map((ids) => this.decode(ids, options));
  }

  // ---------------------------------------------------------------- saving

  /** The Hugging Face `tokenizer.json` object. */
  toJSON(): Record<string, unknown> {
    return {
      version: '1.0',
      truncation: truncationToJSON(this.truncation),
      padding: paddingToJSON(this.padding),
      added_tokens: this.added.tokens.map((a) => ({
        id: a.id,
        content: a.content,
        single_word: a.singleWord ?? false,
        lstrip: a.lstrip ?? false,
        rstrip: a.rstrip ?? false,
        normalized: a.normalized ?? false,
        special: a.special,
      })),
      normalizer: this.normalizer?.toJSON() ?? null,
      pre_tokenizer: this.preTokenizer?.toJSON() ?? null,
      post_processor: this.postProcessor?.toJSON() ?? null,
      decoder: this.decoder?.toJSON() ?? null,
      model: this.model.toJSON(),
    };
  }

  /** The `tokenizer.json` text. */
  toString(pretty = false): string {
    return JSON.stringify(this.toJSON(), null, pretty ? 2 : undefined);
  }
}
