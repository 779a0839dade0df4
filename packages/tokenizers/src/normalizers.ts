/**
 * Normalizers: text → text, keeping for every output UTF-16 unit the span of the
 * original text it came from (see {@link AlignedString}).
 */
import { AlignedBuilder, alignedEnd, alignedStart, type AlignedString } from './aligned.js';
import { charFlags, codePointAt, FLAG_CONTROL, FLAG_WS, isCjk } from './unicode.js';

/** A text normalizer. */
export interface Normalizer {
  /** The Hugging Face `type` name. */
  readonly type: string;
  /** Normalizes `s`, keeping alignments to the original text. */
  normalize(s: AlignedString): AlignedString;
  /** The Hugging Face `tokenizer.json` form. */
  toJSON(): Record<string, unknown>;
}

const reMn = /\p{Mn}/gu;
const reMark = /^\p{M}$/u;

/**
 * Maps `s` code point by code point. `fn` returns the replacement (possibly empty) or
 * `null` to keep the char. Returns `s` itself when nothing changed.
 */
export function mapCodePoints(s: AlignedString, fn: (cp: number, ch: string) => string | null): AlignedString {
  const text = s.text;
  const n = text.length;
  let b: AlignedBuilder | null = null;
  let copied = 0; // units of text already copied into b
  for (let i = 0; i < n; ) {
    const cp = codePointAt(text, i);
    const w = cp > 0xffff ? 2 : 1;
    const r = fn(cp, w === 1 ? text[i]! : text.slice(i, i + 2));
    if (r !== null) {
      if (b === null) b = new AlignedBuilder(n + 16);
      b.pushAligned(s, copied, i);
      b.push(r, alignedStart(s, i), alignedEnd(s, i + w - 1));
      copied = i + w;
    }
    i += w;
  }
  if (b === null) return s;
  b.pushAligned(s, copied, n);
  return b.build();
}

/** Options of {@link BertNormalizer} (Hugging Face names in camelCase). */
export interface BertNormalizerOptions {
  /** Remove control chars and map every whitespace to a space (default true). */
  cleanText?: boolean;
  /** Surround CJK ideographs with spaces (default true). */
  handleChineseChars?: boolean;
  /** Strip accents (NFD, then drop Mn); `null`/undefined: follow `lowercase` (default). */
  stripAccents?: boolean | null;
  /** Lower-case (default true). */
  lowercase?: boolean;
}

/**
 * BERT's normalizer: clean text, pad CJK ideographs with spaces, strip accents, lower-case.
 * Lower-casing is per char, as in HF tokenizers (no Greek final-sigma context rule).
 */
export class BertNormalizer implements Normalizer {
  readonly type = 'BertNormalizer';
  readonly cleanText: boolean;
  readonly handleChineseChars: boolean;
  readonly stripAccents: boolean | null;
  readonly lowercase: boolean;
  private readonly doStrip: boolean;
  private readonly cache = new Map<number, string | null>();
  constructor(o: BertNormalizerOptions = {}) {
    this.cleanText = o.cleanText ?? true;
    this.handleChineseChars = o.handleChineseChars ?? true;
    this.stripAccents = o.stripAccents ?? null;
    this.lowercase = o.lowercase ?? true;
    this.doStrip = this.stripAccents ?? this.lowercase;
  }
  /** Replacement of one code point (null = unchanged). */
  mapChar(cp: number, ch: string): string | null {
    let r = this.cache.get(cp);
    if (r !== undefined) return r;
    r = this.computeChar(cp, ch);
    if (this.cache.size < 200_000) this.cache.set(cp, r);
    return r;
  }
  private computeChar(cp: number, ch: string): string | null {
    if (this.cleanText) {
      const f = charFlags(cp);
      if (f & FLAG_CONTROL) return '';
      if (f & FLAG_WS) return cp === 32 ? null : ' ';
    }
    if (this.handleChineseChars && isCjk(cp)) return ' ' + ch + ' ';
    let s = ch;
    if (this.doStrip) s = s.normalize('NFD').replace(reMn, '');
    if (this.lowercase) s = s.toLowerCase();
    return s === ch ? null : s;
  }
  normalize(s: AlignedString): AlignedString {
    const text = s.text;
    const n = text.length;
    // Fast path: printable ASCII (plus \t \n \r): a 1:1 mapping, alignment unchanged.
    let ascii = true;
    let hasWs = false;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c >= 127 || (c < 32 && !(c === 9 || c === 10 || c === 13))) {
        ascii = false;
        break;
      }
      if (c < 32) hasWs = true;
    }
    if (ascii) {
      let t = this.lowercase ? text.toLowerCase() : text;
      if (hasWs && this.cleanText) t = t.replace(/[\t\n\r]/g, ' ');
      return t === text ? s : { text: t, start: s.start, end: s.end };
    }
    return mapCodePoints(s, (cp, ch) => this.mapChar(cp, ch));
  }
  toJSON(): Record<string, unknown> {
    return {
      type: this.type,
      clean_text: this.cleanText,
      handle_chinese_chars: this.handleChineseChars,
      strip_accents: this.stripAccents,
      lowercase: this.lowercase,
    };
  }
}

/** Per-char lower-casing. */
export class Lowercase implements Normalizer {
  readonly type = 'Lowercase';
  normalize(s: AlignedString): AlignedString {
    return mapCodePoints(s, (_cp, ch) => {
      const l = ch.toLowerCase();
      return l === ch ? null : l;
    });
  }
  toJSON(): Record<string, unknown> {
    return { type: this.type };
  }
}

/**
 * Removes combining marks (Mn, Mc, Me), as HF's `StripAccents`; use after NFD/NFKD.
 * (BERT's normalizer strips only Mn, as Google's BERT does.)
 */
export class StripAccents implements Normalizer {
  readonly type = 'StripAccents';
  normalize(s: AlignedString): AlignedString {
    return mapCodePoints(s, (_cp, ch) => (reMark.test(ch) ? '' : null));
  }
  toJSON(): Record<string, unknown> {
    return { type: this.type };
  }
}

/** Unicode normalization forms. */
export type UnicodeForm = 'NFC' | 'NFD' | 'NFKC' | 'NFKD';

/**
 * Unicode normalization. Decomposing forms work per char (each output unit aligns to
 * its source char); composing forms work per cluster (a char and its following combining
 * marks), every output unit aligning to the whole cluster.
 */
export class UnicodeNormalizer implements Normalizer {
  readonly type: UnicodeForm;
  constructor(form: UnicodeForm) {
    this.type = form;
  }
  normalize(s: AlignedString): AlignedString {
    const form = this.type;
    if (form === 'NFD' || form === 'NFKD') {
      return mapCodePoints(s, (_cp, ch) => {
        const r = ch.normalize(form);
        return r === ch ? null : r;
      });
    }
    const text = s.text;
    if (text.normalize(form) === text) return s;
    const b = new AlignedBuilder(text.length);
    const re = /\P{M}\p{M}*|\p{M}+/gsu;
    let m: RegExpExecArray | null;
    let last = 0;
    while ((m = re.exec(text)) !== null) {
      const a = m.index;
      const e = a + m[0].length;
      const r = m[0].normalize(form);
      if (r === m[0]) b.pushAligned(s, a, e);
      else b.push(r, alignedStart(s, a), alignedEnd(s, e - 1));
      last = e;
    }
    b.pushAligned(s, last, text.length);
    return b.build();
  }
  toJSON(): Record<string, unknown> {
    return { type: this.type };
  }
}

/** Strips whitespace on the left and/or right. */
export class Strip implements Normalizer {
  readonly type = 'Strip';
  constructor(
    readonly left = true,
    readonly right = true,
  ) {}
  normalize(s: AlignedString): AlignedString {
    const t = s.text;
    let a = 0;
    let e = t.length;
    if (this.left) while (a < e && /\s/u.test(t[a]!)) a++;
    if (this.right) while (e > a && /\s/u.test(t[e - 1]!)) e--;
    if (a === 0 && e === t.length) return s;
    const b = new AlignedBuilder(e - a);
    b.pushAligned(s, a, e);
    return b.build();
  }
  toJSON(): Record<string, unknown> {
    return { type: this.type, strip_left: this.left, strip_right: this.right };
  }
}

/** Replaces every occurrence of a literal string. The replacement aligns to the replaced span. */
export class Replace implements Normalizer {
  readonly type = 'Replace';
  constructor(
    readonly pattern: string,
    readonly content: string,
  ) {}
  normalize(s: AlignedString): AlignedString {
    const t = s.text;
    if (this.pattern.length === 0 || !t.includes(this.pattern)) return s;
    const b = new AlignedBuilder(t.length);
    let last = 0;
    for (let i = t.indexOf(this.pattern); i >= 0; i = t.indexOf(this.pattern, last)) {
      b.pushAligned(s, last, i);
      const e = i + this.pattern.length;
      if (this.content.length > 0) b.push(this.content, alignedStart(s, i), alignedEnd(s, e - 1));
      last = e;
    }
    b.pushAligned(s, last, t.length);
    return b.build();
  }
  toJSON(): Record<string, unknown> {
    return { type: this.type, pattern: { String: this.pattern }, content: this.content };
  }
}

/** Applies normalizers in order. */
export class NormalizerSequence implements Normalizer {
  readonly type = 'Sequence';
  constructor(readonly normalizers: readonly Normalizer[]) {}
  normalize(s: AlignedString): AlignedString {
    for (const n of this.normalizers) s = n.normalize(s);
    return s;
  }
  toJSON(): Record<string, unknown> {
    return { type: this.type, normalizers: this.normalizers.map((n) => n.toJSON()) };
  }
}
