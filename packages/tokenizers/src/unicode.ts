/**
 * Character classes used by the BERT normalizer and pre-tokenizers, computed once per
 * code point from Unicode property escapes and cached in a flat table (no regex per
 * char on the hot path). Semantics follow Hugging Face `tokenizers` (Rust).
 */

const WS = 1 << 1; // Unicode White_Space, plus \t \n \r
const CONTROL = 1 << 2; // \0, U+FFFD, or general category C* except \t \n \r (Cc Cf Cs Co Cn)
const PUNCT = 1 << 3; // ASCII punctuation or general category P*
const CJK = 1 << 4; // CJK Unified Ideographs blocks (as in BERT's _is_chinese_char)
const ALNUM = 1 << 5; // \w in the Unicode sense (as Rust's regex crate)
const LETTER = 1 << 6; // \p{L}
const NUMBER = 1 << 7; // \p{N}
const COMPUTED = 1 << 0;

const reWS = /^\p{White_Space}$/u;
const reControl = /^\p{C}$/u;
const reP = /^\p{P}$/u;
const reL = /^\p{L}$/u;
const reN = /^\p{N}$/u;
// Rust regex's Unicode `\w`: Alphabetic, marks, decimal digits, connector punctuation, Join_Control.
const reW = /^[\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}]$/u;

const bmp = new Uint8Array(65536);
const astral = new Map<number, number>();

function isCjkCp(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

function compute(cp: number): number {
  let f = COMPUTED;
  // A lone surrogate has category Cs.
  const ch = cp >= 0xd800 && cp <= 0xdfff ? '\ud800' : String.fromCodePoint(cp);
  const tnr = cp === 9 || cp === 10 || cp === 13;
  if (tnr || reWS.test(ch)) f |= WS;
  // Both bits may be set (U+0085 is Cc and White_Space): BERT's clean-up checks CONTROL first.
  if (!tnr && (cp === 0 || cp === 0xfffd || reControl.test(ch))) f |= CONTROL;
  if (
    (cp >= 33 && cp <= 47) ||
    (cp >= 58 && cp <= 64) ||
    (cp >= 91 && cp <= 96) ||
    (cp >= 123 && cp <= 126) ||
    reP.test(ch)
  )
    f |= PUNCT;
  if (isCjkCp(cp)) f |= CJK;
  if (reW.test(ch)) f |= ALNUM;
  if (reL.test(ch)) f |= LETTER;
  if (reN.test(ch)) f |= NUMBER;
  return f;
}

/** Flags of code point `cp` (cached). */
export function charFlags(cp: number): number {
  if (cp < 65536) {
    const f = bmp[cp]!;
    if (f !== 0) return f;
    return (bmp[cp] = compute(cp));
  }
  let f = astral.get(cp);
  if (f === undefined) {
    f = compute(cp);
    astral.set(cp, f);
  }
  return f;
}

/** Whitespace as BERT and Rust's `char::is_whitespace` see it (plus \t \n \r). */
export function isWhitespace(cp: number): boolean {
  return (charFlags(cp) & WS) !== 0;
}
/** Removed by BERT's clean_text: NUL, U+FFFD, and general category C* except \t \n \r (lone surrogates included). */
export function isControl(cp: number): boolean {
  return (charFlags(cp) & CONTROL) !== 0;
}
/** ASCII punctuation (incl. symbols such as `$+<=>^|~`) or Unicode P*. */
export function isPunctuation(cp: number): boolean {
  return (charFlags(cp) & PUNCT) !== 0;
}
/** A CJK ideograph that BERT surrounds with spaces. */
export function isCjk(cp: number): boolean {
  return isCjkCp(cp);
}
/** A `\w` char as Rust's regex crate sees it: Alphabetic, mark, decimal digit, Pc, Join_Control. */
export function isWordChar(cp: number): boolean {
  return (charFlags(cp) & ALNUM) !== 0;
}
/** \p{L}. */
export function isLetter(cp: number): boolean {
  return (charFlags(cp) & LETTER) !== 0;
}
/** \p{N}. */
export function isNumber(cp: number): boolean {
  return (charFlags(cp) & NUMBER) !== 0;
}

export const FLAG_WS = WS;
export const FLAG_CONTROL = CONTROL;
export const FLAG_PUNCT = PUNCT;
export const FLAG_CJK = CJK;

/**
 * Reads the code point at unit `i` of `s`. A lone surrogate is returned as its own
 * code unit value (0xD800–0xDFFF) so callers can classify and skip it.
 */
export function codePointAt(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
    const d = s.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
  }
  return c;
}
