/**
 * Pre-tokenizers: split the normalized text into words. They never change the text;
 * they report word spans `[start, end)` as UTF-16 unit indices of the normalized text.
 * Byte-level mapping (GPT-2) is flagged by `byteLevel` and applied by the model wrapper.
 */
import { charFlags, codePointAt, FLAG_PUNCT, FLAG_WS, isNumber, isWordChar } from './unicode.js';

/** A pre-tokenizer. */
export interface PreTokenizer {
  /** The Hugging Face `type` name. */
  readonly type: string;
  /** Whether words must be mapped to byte-level chars before the model (GPT-2 style). */
  readonly byteLevel: boolean;
  /** Whether a space is prepended to text that does not start with one (byte-level only). */
  readonly addPrefixSpace: boolean;
  /** Pushes the spans of the words of `text[a..b)` onto `out` as `start, end` pairs. */
  splitRange(text: string, a: number, b: number, out: number[]): void;
  /** The Hugging Face `tokenizer.json` form. */
  toJSON(): Record<string, unknown>;
}

// ASCII classes: 0 word, 1 whitespace, 2 punctuation.
const ASCII_BERT = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const f = charFlags(c);
  ASCII_BERT[c] = f & FLAG_WS ? 1 : f & FLAG_PUNCT ? 2 : 0;
}

/** Splits on whitespace (removed) and punctuation (each char its own word). */
export class BertPreTokenizer implements PreTokenizer {
  readonly type = 'BertPreTokenizer';
  readonly byteLevel = false;
  readonly addPrefixSpace = false;
  splitRange(text: string, a: number, b: number, out: number[]): void {
    let ws = -1; // start of the current word, -1 if none
    for (let i = a; i < b; ) {
      const c = text.charCodeAt(i);
      let cls: number;
      let w = 1;
      if (c < 128) cls = ASCII_BERT[c]!;
      else {
        const cp = codePointAt(text, i);
        if (cp > 0xffff) w = 2;
        const f = charFlags(cp);
        cls = f & FLAG_WS ? 1 : f & FLAG_PUNCT ? 2 : 0;
      }
      if (cls === 0) {
        if (ws < 0) ws = i;
      } else {
        if (ws >= 0) {
          out.push(ws, i);
          ws = -1;
        }
        if (cls === 2) out.push(i, i + w);
      }
      i += w;
    }
    if (ws >= 0) out.push(ws, b);
  }
  toJSON(): Record<string, unknown> {
    return { type: this.type };
  }
}

/** Splits on whitespace only. */
export class WhitespaceSplit implements PreTokenizer {
  readonly type = 'WhitespaceSplit';
  readonly byteLevel = false;
  readonly addPrefixSpace = false;
  splitRange(text: string, a: number, b: number, out: number[]): void {
    let ws = -1;
    for (let i = a; i < b; ) {
      const cp = codePointAt(text, i);
      const w = cp > 0xffff ? 2 : 1;
      if (charFlags(cp) & FLAG_WS) {
        if (ws >= 0) out.push(ws, i);
        ws = -1;
      } else if (ws < 0) ws = i;
      i += w;
    }
    if (ws >= 0) out.push(ws, b);
  }
  toJSON(): Record<string, unknown> {
    return { type: this.type };
  }
}

/** HF `Whitespace`: the regex `\w+|[^\w\s]+`. */
export class Whitespace implements PreTokenizer {
  readonly type = 'Whitespace';
  readonly byteLevel = false;
  readonly addPrefixSpace = false;
  splitRange(text: string, a: number, b: number, out: number[]): void {
    let ws = -1;
    let kind = 0; // 1 word chars, 2 other non-space chars
    for (let i = a; i < b; ) {
      const cp = codePointAt(text, i);
      const w = cp > 0xffff ? 2 : 1;
      const k = charFlags(cp) & FLAG_WS ? 0 : isWordChar(cp) ? 1 : 2;
      if (k !== kind) {
        if (ws >= 0) out.push(ws, i);
        ws = k === 0 ? -1 : i;
        kind = k;
      }
      i += w;
    }
    if (ws >= 0) out.push(ws, b);
  }
  toJSON(): Record<string, unknown> {
    return { type: this.type };
  }
}

/** Isolates every punctuation char. */
export class Punctuation implements PreTokenizer {
  readonly type = 'Punctuation';
  readonly byteLevel = false;
  readonly addPrefixSpace = false;
  splitRange(text: string, a: number, b: number, out: number[]): void {
    let ws = a;
    for (let i = a; i < b; ) {
      const cp = codePointAt(text, i);
      const w = cp > 0xffff ? 2 : 1;
      if (charFlags(cp) & FLAG_PUNCT) {
        if (ws < i) out.push(ws, i);
        out.push(i, i + w);
        ws = i + w;
      }
      i += w;
    }
    if (ws < b) out.push(ws, b);
  }
  toJSON(): Record<string, unknown> {
    return { type: this.type, behavior: 'Isolated' };
  }
}

/** Isolates digits: each digit alone (`individualDigits`) or runs of digits. */
export class Digits implements PreTokenizer {
  readonly type = 'Digits';
  readonly byteLevel = false;
  readonly addPrefixSpace = false;
  constructor(readonly individualDigits = false) {}
  splitRange(text: string, a: number, b: number, out: number[]): void {
    let ws = a;
    let inDigits = false;
    for (let i = a; i < b; ) {
      const cp = codePointAt(text, i);
      const w = cp > 0xffff ? 2 : 1;
      const d = isNumber(cp) && /^\p{Nd}$/u.test(String.fromCodePoint(cp));
      if (d) {
        if (!inDigits || this.individualDigits) {
          if (ws < i) out.push(ws, i);
          ws = i;
        }
      } else if (inDigits) {
        if (ws < i) out.push(ws, i);
        ws = i;
      }
      inDigits = d;
      i += w;
    }
    if (ws < b) out.push(ws, b);
  }
  toJSON(): Record<string, unknown> {
    return { type: this.type, individual_digits: this.individualDigits };
  }
}

/** GPT-2's split pattern, with `\s` as Unicode White_Space. */
export const GPT2_PATTERN =
  "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\p{White_Space}\\p{L}\\p{N}]+|\\p{White_Space}+(?!\\P{White_Space})|\\p{White_Space}+";

function regexSplit(re: RegExp, text: string, a: number, b: number, out: number[], behavior: SplitBehavior, invert: boolean): void {
  const sub = a === 0 && b === text.length ? text : text.slice(a, b);
  re.lastIndex = 0;
  const matches: number[] = [];
  let m: RegExpExecArray | null;
  while ((m = re.exec(sub)) !== null) {
    const s = m.index;
    const e = s + m[0].length;
    if (e === s) {
      re.lastIndex = s + 1;
      continue;
    }
    matches.push(s, e);
  }
  // Segments: [start, end, isMatch]
  const segs: number[] = [];
  let last = 0;
  for (let k = 0; k < matches.length; k += 2) {
    if (matches[k]! > last) segs.push(last, matches[k]!, invert ? 1 : 0);
    segs.push(matches[k]!, matches[k + 1]!, invert ? 0 : 1);
    last = matches[k + 1]!;
  }
  if (last < sub.length) segs.push(last, sub.length, invert ? 1 : 0);
  let pendingStart = -1; // for MergedWithNext
  let prevEnd = -1; // for MergedWithPrevious: index in out of the last pushed end
  for (let k = 0; k < segs.length; k += 3) {
    const s = segs[k]! + a;
    const e = segs[k + 1]! + a;
    const isMatch = segs[k + 2] === 1;
    switch (behavior) {
      case 'Isolated':
        out.push(s, e);
        break;
      case 'Removed':
        if (!isMatch) out.push(s, e);
        break;
      case 'MergedWithPrevious':
        if (isMatch && prevEnd >= 0 && out[prevEnd] === s) out[prevEnd] = e;
        else {
          out.push(s, e);
          prevEnd = out.length - 1;
        }
        break;
      case 'MergedWithNext':
        if (isMatch) {
          if (pendingStart < 0) pendingStart = s;
        } else {
          out.push(pendingStart >= 0 ? pendingStart : s, e);
          pendingStart = -1;
        }
        break;
      case 'Contiguous':
        if (isMatch && prevEnd >= 0 && out[prevEnd] === s && segs[k - 1] === 1) out[prevEnd] = e;
        else {
          out.push(s, e);
          prevEnd = out.length - 1;
        }
        break;
    }
  }
  if (pendingStart >= 0) out.push(pendingStart, b);
}

/** How {@link Split} treats the matches of its pattern. */
export type SplitBehavior = 'Removed' | 'Isolated' | 'MergedWithPrevious' | 'MergedWithNext' | 'Contiguous';

/** Splits on a literal string or a regex (JavaScript syntax, compiled with the `u` flag). */
export class Split implements PreTokenizer {
  readonly type = 'Split';
  readonly byteLevel = false;
  readonly addPrefixSpace = false;
  private readonly re: RegExp;
  constructor(
    readonly pattern: { String: string } | { Regex: string },
    readonly behavior: SplitBehavior = 'Isolated',
    readonly invert = false,
  ) {
    const src = 'String' in pattern ? pattern.String.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : pattern.Regex;
    this.re = new RegExp(src, 'gu');
  }
  splitRange(text: string, a: number, b: number, out: number[]): void {
    regexSplit(this.re, text, a, b, out, this.behavior, this.invert);
  }
  toJSON(): Record<string, unknown> {
    return { type: this.type, pattern: this.pattern, behavior: this.behavior, invert: this.invert };
  }
}

/** Options of {@link ByteLevel}. */
export interface ByteLevelOptions {
  /** Prepend a space when the text does not start with one (default false, as GPT-2). */
  addPrefixSpace?: boolean;
  /** Split with GPT-2's regex first (default true). */
  useRegex?: boolean;
  /** Trim the leading/trailing spaces from offsets (used by the post-processor; default true). */
  trimOffsets?: boolean;
}

/** GPT-2's byte-level pre-tokenizer: split with its regex, map every byte to a printable char. */
export class ByteLevel implements PreTokenizer {
  readonly type = 'ByteLevel';
  readonly byteLevel = true;
  readonly addPrefixSpace: boolean;
  readonly useRegex: boolean;
  readonly trimOffsets: boolean;
  private readonly re = new RegExp(GPT2_PATTERN, 'gu');
  constructor(o: ByteLevelOptions = {}) {
    this.addPrefixSpace = o.addPrefixSpace ?? false;
    this.useRegex = o.useRegex ?? true;
    this.trimOffsets = o.trimOffsets ?? true;
  }
  splitRange(text: string, a: number, b: number, out: number[]): void {
    if (!this.useRegex) {
      if (b > a) out.push(a, b);
      return;
    }
    regexSplit(this.re, text, a, b, out, 'Isolated', false);
  }
  toJSON(): Record<string, unknown> {
    return { type: this.type, add_prefix_space: this.addPrefixSpace, trim_offsets: this.trimOffsets, use_regex: this.useRegex };
  }
}

/** Applies pre-tokenizers in order, each one splitting the words of the previous. */
export class PreTokenizerSequence implements PreTokenizer {
  readonly type = 'Sequence';
  readonly byteLevel: boolean;
  readonly addPrefixSpace: boolean;
  constructor(readonly pretokenizers: readonly PreTokenizer[]) {
    this.byteLevel = pretokenizers.some((p) => p.byteLevel);
    this.addPrefixSpace = pretokenizers.some((p) => p.addPrefixSpace);
  }
  splitRange(text: string, a: number, b: number, out: number[]): void {
    let cur = [a, b];
    for (const p of this.pretokenizers) {
      const next: number[] = [];
      for (let k = 0; k < cur.length; k += 2) p.splitRange(text, cur[k]!, cur[k + 1]!, next);
      cur = next;
    }
    for (const x of cur) out.push(x);
  }
  toJSON(): Record<string, unknown> {
    return { type: this.type, pretokenizers: this.pretokenizers.map((p) => p.toJSON()) };
  }
}
