/**
 * The tokenizer pipeline: added tokens → normalizer → pre-tokenizer → model →
 * truncation → post-processor → padding, with exact offsets into the original text.
 */
import { AlignedBuilder, type AlignedString } from './aligned.js';
import { toByteLevel } from './bytes.js';
import { ByteLevelDecoder, JoinDecoder, WordPieceDecoder, type Decoder } from './decoders.js';
import { Encoding } from './encoding.js';
import { TokenizerConfigError, TokenizerFormatError, TokenizerInputError } from './errors.js';
import {
  addedTokensFromJSON,
  decoderFromJSON,
  modelFromJSON,
  normalizerFromJSON,
  paddingFromJSON,
  parseMergesTxt,
  parseVocabJson,
  parseVocabTxt,
  postProcessorFromJSON,
  preTokenizerFromJSON,
  truncationFromJSON,
} from './json.js';
import { BPE } from './models/bpe.js';
import type { Model, WordTokens } from './models/model.js';
import { CharLevel, WordLevel } from './models/wordlevel.js';
import { WordPiece } from './models/wordpiece.js';
import { BertNormalizer, type Normalizer } from './normalizers.js';
import { ByteLevelProcessing, TemplateProcessing, type PostProcessor } from './post-processors.js';
import { BertPreTokenizer, ByteLevel, type PreTokenizer } from './pre-tokenizers.js';
import { isWhitespace } from './unicode.js';

/** A token added on top of the model's vocabulary, matched in the raw text before normalization. */
export interface AddedToken {
  /** Its id. */
  id: number;
  /** Its text. */
  content: string;
  /** Special tokens are skipped by `decode` by default. */
  special: boolean;
  /** Only match as a whole word. */
  singleWord?: boolean;
  /** Absorb whitespace on its left. */
  lstrip?: boolean;
  /** Absorb whitespace on its right. */
  rstrip?: boolean;
  /** HF flag, kept for round-trips; this implementation always matches on the raw text. */
  normalized?: boolean;
}

/** Truncation settings. `maxLength` counts the special tokens the post-processor adds. */
export interface TruncationOptions {
  /** Maximum number of tokens per window, special tokens included. */
  maxLength: number;
  /** Tokens shared by consecutive overflow windows (default 0). */
  stride?: number;
  /** Which sequence loses tokens (default `longest_first`). */
  strategy?: 'longest_first' | 'only_first' | 'only_second';
  /** Which end is cut (default `right`). */
  direction?: 'left' | 'right';
}

/** Padding settings. */
export interface PaddingOptions {
  /** Pad to this length; undefined pads a batch to its longest encoding. */
  length?: number;
  /** Round the padded length up to a multiple of this. */
  padToMultipleOf?: number;
  /** Where padding goes (default `right`). */
  direction?: 'left' | 'right';
  /** Padding id (default 0). */
  padId?: number;
  /** Padding type id (default 0). */
  padTypeId?: number;
  /** Padding token (default `[PAD]`). */
  padToken?: string;
}

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

/** Options of {@link Tokenizer.fromVocab}. */
export interface FromVocabOptions {
  /** The model (default `wordpiece`, with BERT's normalizer, pre-tokenizer and `[CLS] $A [SEP]` template). */
  model?: 'wordpiece' | 'wordlevel' | 'charlevel';
  /** Lower-case and strip accents (default true). */
  lowercase?: boolean;
  /** Unknown token (default `[UNK]`). */
  unkToken?: string;
  /** Class token for the template (default `[CLS]` when in the vocabulary). */
  clsToken?: string;
  /** Separator token for the template (default `[SEP]` when in the vocabulary). */
  sepToken?: string;
  /** Tokens registered as special (skipped by decode) when in the vocabulary (default `[PAD] [UNK] [CLS] [SEP] [MASK]`). */
  specialTokens?: string[];
}

function toVocabMap(v: readonly string[] | Map<string, number> | Record<string, number>): Map<string, number> {
  if (v instanceof Map) return v;
  if (Array.isArray(v)) return new Map((v as readonly string[]).map((t, i) => [t, i]));
  return new Map(Object.entries(v as Record<string, number>));
}

/** A tokenizer: the HF-style pipeline and its encode / decode API. */
export class Tokenizer {
  /** Loads a Hugging Face `tokenizer.json` (text or parsed object). Malformed input throws {@link TokenizerFormatError} naming the key. */
  static fromJSON(json: string | object): Tokenizer {
    let o: unknown = json;
    if (typeof json === 'string') {
      try {
        o = JSON.parse(json);
      } catch (e) {
        throw new TokenizerFormatError('tokenizer.json', `invalid JSON: ${(e as Error).message}`);
      }
    }
    if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new TokenizerFormatError('tokenizer.json', 'expected an object at the top level');
    const r = o as Record<string, unknown>;
    if (r.model === undefined) throw new TokenizerFormatError('model', 'missing');
    return new Tokenizer({
      model: modelFromJSON(r.model),
      normalizer: normalizerFromJSON(r.normalizer),
      preTokenizer: preTokenizerFromJSON(r.pre_tokenizer),
      postProcessor: postProcessorFromJSON(r.post_processor),
      decoder: decoderFromJSON(r.decoder),
      addedTokens: addedTokensFromJSON(r.added_tokens),
      truncation: truncationFromJSON(r.truncation),
      padding: paddingFromJSON(r.padding),
    });
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
    const v = toVocabMap(vocab);
    const kind = o.model ?? 'wordpiece';
    const unk = o.unkToken ?? '[UNK]';
    const lowercase = o.lowercase ?? true;
    const model: Model = kind === 'wordpiece' ? new WordPiece(v, { unkToken: unk }) : kind === 'wordlevel' ? new WordLevel(v, v.has(unk) ? unk : null) : new CharLevel(v, v.has(unk) ? unk : null);
    const cls = o.clsToken ?? '[CLS]';
    const sep = o.sepToken ?? '[SEP]';
    const clsId = v.get(cls);
    const sepId = v.get(sep);
    const post =
      clsId !== undefined && sepId !== undefined
        ? new TemplateProcessing(`${cls}:0 $A:0 ${sep}:0`, `${cls}:0 $A:0 ${sep}:0 $B:1 ${sep}:1`, [
            { id: cls, ids: [clsId], tokens: [cls] },
            { id: sep, ids: [sepId], tokens: [sep] },
          ])
        : null;
    const specials = (o.specialTokens ?? ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']).filter((t) => v.has(t)).map((t) => ({ id: v.get(t)!, content: t, special: true }));
    return new Tokenizer({
      model,
      normalizer: new BertNormalizer({ lowercase, stripAccents: lowercase ? null : false, handleChineseChars: kind !== 'charlevel' }),
      preTokenizer: kind === 'charlevel' ? null : new BertPreTokenizer(),
      postProcessor: post,
      decoder: kind === 'wordpiece' ? new WordPieceDecoder() : kind === 'charlevel' ? new JoinDecoder('') : new JoinDecoder(' '),
      addedTokens: specials,
    });
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
    const vocab = parseVocabJson(vocabJson);
    const merges = parseMergesTxt(mergesTxt);
    const eot = vocab.get('<|endoftext|>');
    return new Tokenizer({
      model: new BPE(vocab, merges),
      preTokenizer: new ByteLevel({ addPrefixSpace: o.addPrefixSpace ?? false }),
      postProcessor: new ByteLevelProcessing(false),
      decoder: new ByteLevelDecoder(),
      addedTokens: eot === undefined ? [] : [{ id: eot, content: '<|endoftext|>', special: true }],
    });
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
  private readonly added: AddedToken[];
  private readonly addedById = new Map<number, AddedToken>();
  private readonly addedByContent = new Map<string, AddedToken>();
  private addedRe: RegExp | null = null;
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
    this.added = [];
    this.inv = [];
    for (let id = 0; id < this.model.vocabSize; id++) this.inv[id] = this.model.idToToken(id) ?? '';
    for (const t of parts.addedTokens ?? []) this.registerAdded(t);
  }

  private registerAdded(t: AddedToken): void {
    if (t.content.length === 0) throw new TokenizerConfigError('an added token cannot be empty');
    this.added.push(t);
    this.addedById.set(t.id, t);
    this.addedByContent.set(t.content, t);
    this.inv[t.id] = t.content;
    const esc = [...this.added]
      .sort((x, y) => y.content.length - x.content.length)
      .map((a) => a.content.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    this.addedRe = new RegExp(esc.join('|'), 'g');
  }

  /** Adds tokens matched verbatim in the input; returns how many were new. */
  addTokens(contents: readonly string[], special = false): number {
    let n = 0;
    for (const c of contents) {
      if (this.addedByContent.has(c)) continue;
      const id = this.model.tokenToId(c) ?? Math.max(this.model.vocabSize, this.inv.length);
      this.registerAdded({ id, content: c, special });
      n++;
    }
    return n;
  }

  /** Adds special tokens (skipped by `decode`); returns how many were new. */
  addSpecialTokens(contents: readonly string[]): number {
    return this.addTokens(contents, true);
  }

  /** The added tokens. */
  get addedTokens(): readonly AddedToken[] {
    return this.added;
  }

  /** Vocabulary size, added tokens included. */
  getVocabSize(withAddedTokens = true): number {
    return withAddedTokens ? this.inv.length : this.model.vocabSize;
  }

  /** The vocabulary as token → id, added tokens included. */
  getVocab(withAddedTokens = true): Map<string, number> {
    const v = this.model.getVocab();
    if (withAddedTokens) for (const a of this.added) v.set(a.content, a.id);
    return v;
  }

  /** Id of a token (added tokens first), or undefined. */
  tokenToId(token: string): number | undefined {
    return this.addedByContent.get(token)?.id ?? this.model.tokenToId(token);
  }

  /** Token of an id, or undefined. */
  idToToken(id: number): string | undefined {
    return this.addedById.get(id)?.content ?? this.model.idToToken(id);
  }

  /** Sets truncation. */
  enableTruncation(o: TruncationOptions): this {
    if (!Number.isInteger(o.maxLength) || o.maxLength < 0) throw new TokenizerConfigError(`truncation.maxLength must be a non-negative integer, got ${o.maxLength}`);
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

  /** Runs normalizer, pre-tokenizer and model over `text[a..b)` (no added tokens inside). */
  private encodeRange(text: string, a: number, b: number, raw: Raw, wordBase: number): number {
    const sub = a === 0 && b === text.length ? text : text.slice(a, b);
    let norm: AlignedString = { text: sub, start: null, end: null };
    if (this.normalizer !== null) norm = this.normalizer.normalize(norm);
    const pt = this.preTokenizer;
    if (pt !== null && pt.addPrefixSpace && norm.text.length > 0 && !isWhitespace(norm.text.codePointAt(0)!)) {
      const bld = new AlignedBuilder(norm.text.length + 1);
      bld.push(' ', 0, 0);
      bld.pushAligned(norm, 0, norm.text.length);
      norm = bld.build();
    }
    const nt = norm.text;
    const spans: number[] = [];
    if (pt !== null) pt.splitRange(nt, 0, nt.length, spans);
    else if (nt.length > 0) spans.push(0, nt.length);
    const ns = norm.start;
    const ne = norm.end;
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
    const re = this.addedRe;
    if (re === null) word = this.encodeRange(text, 0, text.length, raw, word);
    else {
      re.lastIndex = 0;
      let last = 0;
      let m: RegExpExecArray | null;
      while ((m = re.exec(text)) !== null) {
        const tok = this.addedByContent.get(m[0])!;
        let s = m.index;
        let e = s + m[0].length;
        if (tok.singleWord) {
          const before = s > 0 ? text.codePointAt(s - 1)! : 32;
          const after = e < text.length ? text.codePointAt(e)! : 32;
          if (/[\p{L}\p{N}_]/u.test(String.fromCodePoint(before)) || /[\p{L}\p{N}_]/u.test(String.fromCodePoint(after))) continue;
        }
        if (tok.lstrip) while (s > last && /\s/u.test(text[s - 1]!)) s--;
        if (tok.rstrip) while (e < text.length && /\s/u.test(text[e]!)) e++;
        word = this.encodeRange(text, last, s, raw, word);
        raw.ids.push(tok.id);
        raw.tokens.push(tok.content);
        raw.starts.push(m.index);
        raw.ends.push(m.index + m[0].length);
        raw.wordIds.push(word++);
        last = e;
        re.lastIndex = e;
      }
      word = this.encodeRange(text, last, text.length, raw, word);
    }
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
    if (this.padding !== null) {
      const target = this.padTarget([e]);
      this.pad(e, target);
    }
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
    for (const x of aw) for (const y of bw) out.push(this.postProcess(x, y, add, texts));
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
    if (this.padding !== null) {
      const target = this.padTarget(out);
      for (const e of out) this.pad(e, target);
    }
    return out;
  }

  // ---------------------------------------------------------------- truncation

  private windows(e: Encoding, maxLen: number): Encoding[] {
    const len = e.length;
    if (maxLen >= len) return [e];
    if (maxLen === 0) return [e.slice(0, 0), e];
    const stride = this.truncation!.stride ?? 0;
    if (stride >= maxLen) throw new TokenizerConfigError(`truncation.stride (${stride}) must be smaller than the room left for the sequence (${maxLen})`);
    const step = maxLen - stride;
    const out: Encoding[] = [];
    if ((this.truncation!.direction ?? 'right') === 'right') {
      for (let s = 0; ; s += step) {
        const stop = Math.min(s + maxLen, len);
        out.push(e.slice(s, stop));
        if (stop === len) break;
      }
    } else {
      for (let stop = len; ; stop -= step) {
        const s = Math.max(stop - maxLen, 0);
        out.push(e.slice(s, stop));
        if (s === 0) break;
      }
    }
    return out;
  }

  private truncate(a: Encoding, b: Encoding | null, add: boolean): [Encoding[], (Encoding | null)[]] {
    const t = this.truncation;
    if (t === null) return [[a], [b]];
    const added = add && this.postProcessor !== null ? this.postProcessor.addedTokens(b !== null) : 0;
    const total = a.length + (b?.length ?? 0);
    if (total + added <= t.maxLength) return [[a], [b]];
    const toRemove = total + added - t.maxLength;
    const strategy = t.strategy ?? 'longest_first';
    if (strategy === 'longest_first') {
      if (b === null) return [this.windows(a, Math.max(0, a.length - toRemove)), [null]];
      let n1 = a.length;
      let n2 = b.length;
      let r = toRemove;
      // Remove from the longer one until both are equal, then alternately.
      if (n1 > n2) {
        const d = Math.min(n1 - n2, r);
        n1 -= d;
        r -= d;
      } else if (n2 > n1) {
        const d = Math.min(n2 - n1, r);
        n2 -= d;
        r -= d;
      }
      n2 -= Math.ceil(r / 2);
      n1 -= Math.floor(r / 2);
      return [this.windows(a, Math.max(0, n1)), this.windows(b, Math.max(0, n2))];
    }
    const target = strategy === 'only_first' ? a : b;
    if (target === null) throw new TokenizerConfigError(`truncation strategy ${strategy} needs a pair of sequences`);
    if (target.length <= toRemove)
      throw new TokenizerConfigError(`truncation: the ${strategy === 'only_first' ? 'first' : 'second'} sequence (${target.length} tokens) is too short to fit maxLength ${t.maxLength}`);
    const w = this.windows(target, target.length - toRemove);
    return strategy === 'only_first' ? [w, [b]] : [[a], w];
  }

  // ---------------------------------------------------------------- padding

  private padTarget(encs: readonly Encoding[]): number {
    const p = this.padding!;
    let target = p.length ?? 0;
    if (p.length === undefined) for (const e of encs) target = Math.max(target, e.length);
    const m = p.padToMultipleOf;
    if (m !== undefined && m > 0 && target % m !== 0) target += m - (target % m);
    return target;
  }

  private pad(e: Encoding, target: number): void {
    for (const o of e.overflowing) this.pad(o, target);
    const n = target - e.length;
    if (n <= 0) return;
    const p = this.padding!;
    const padId = p.padId ?? 0;
    const padToken = p.padToken ?? '[PAD]';
    const left = p.direction === 'left';
    // No spread: padding to a large length must not overflow the stack.
    const put = <T>(arr: T[], v: T): void => {
      const old = arr.length;
      arr.length = old + n;
      if (left) {
        for (let i = old - 1; i >= 0; i--) arr[i + n] = arr[i]!;
        for (let i = 0; i < n; i++) arr[i] = v;
      } else for (let i = old; i < old + n; i++) arr[i] = v;
    };
    put(e.ids, padId);
    put(e.tokens, padToken);
    put(e.starts, 0);
    put(e.ends, 0);
    put(e.typeIds, p.padTypeId ?? 0);
    put(e.attentionMask, 0);
    put(e.specialTokensMask, 1);
    put(e.wordIds, null);
    put(e.sequenceIds, null);
    // Offsets are rebuilt lazily from starts/ends.
    (e as unknown as { offsetsCache: unknown }).offsetsCache = null;
  }

  // ---------------------------------------------------------------- decode

  /** Converts ids back to text. Unknown ids throw {@link TokenizerInputError}. */
  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    if (!Array.isArray(ids)) throw new TokenizerInputError('decode: ids must be an array of numbers');
    const skip = options.skipSpecialTokens ?? true;
    const toks: string[] = [];
    for (const id of ids) {
      const added = this.addedById.get(id);
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
    const t = this.truncation;
    const p = this.padding;
    return {
      version: '1.0',
      truncation: t === null ? null : { direction: (t.direction ?? 'right') === 'right' ? 'Right' : 'Left', max_length: t.maxLength, strategy: { longest_first: 'LongestFirst', only_first: 'OnlyFirst', only_second: 'OnlySecond' }[t.strategy ?? 'longest_first'], stride: t.stride ?? 0 },
      padding:
        p === null
          ? null
          : {
              strategy: p.length === undefined ? 'BatchLongest' : { Fixed: p.length },
              direction: p.direction === 'left' ? 'Left' : 'Right',
              pad_to_multiple_of: p.padToMultipleOf ?? null,
              pad_id: p.padId ?? 0,
              pad_type_id: p.padTypeId ?? 0,
              pad_token: p.padToken ?? '[PAD]',
            },
      added_tokens: this.added.map((a) => ({
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
