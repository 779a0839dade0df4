/**
 * GPT-2's byte ↔ char table: every byte maps to a printable char, so byte-level BPE
 * works on ordinary strings.
 */

/** `BYTE_TO_CHAR[b]`: the char standing for byte b. */
export const BYTE_TO_CHAR: readonly string[] = (() => {
  const bs: number[] = [];
  for (let b = 33; b <= 126; b++) bs.push(b);
  for (let b = 161; b <= 172; b++) bs.push(b);
  for (let b = 174; b <= 255; b++) bs.push(b);
  const cs = bs.slice();
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n);
      n++;
    }
  }
  const out = new Array<string>(256);
  bs.forEach((b, i) => (out[b] = String.fromCharCode(cs[i]!)));
  return out;
})();

/** Char code → byte, or -1 for chars that stand for no byte. */
export const CHAR_TO_BYTE: Int16Array = (() => {
  const t = new Int16Array(512).fill(-1);
  BYTE_TO_CHAR.forEach((c, b) => (t[c.charCodeAt(0)] = b));
  return t;
})();

/**
 * Maps `word` to its byte-level form. `unitStart[k]`/`unitEnd[k]` receive the span (UTF-16
 * units of `word`) of the char that produced byte-char k. Lone surrogates are encoded as
 * U+FFFD (EF BF BD), as `TextEncoder` does.
 */
export function toByteLevel(word: string, unitStart: number[], unitEnd: number[]): string {
  let out = '';
  const n = word.length;
  for (let i = 0; i < n; ) {
    let cp = word.charCodeAt(i);
    let w = 1;
    if (cp >= 0xd800 && cp <= 0xdfff) {
      const d = i + 1 < n ? word.charCodeAt(i + 1) : 0;
      if (cp <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        cp = ((cp - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
        w = 2;
      } else cp = 0xfffd;
    }
    const e = i + w;
    if (cp < 0x80) {
      out += BYTE_TO_CHAR[cp];
      unitStart.push(i);
      unitEnd.push(e);
    } else if (cp < 0x800) {
      out += BYTE_TO_CHAR[0xc0 | (cp >> 6)]! + BYTE_TO_CHAR[0x80 | (cp & 63)]!;
      unitStart.push(i, i);
      unitEnd.push(e, e);
    } else if (cp < 0x10000) {
      out += BYTE_TO_CHAR[0xe0 | (cp >> 12)]! + BYTE_TO_CHAR[0x80 | ((cp >> 6) & 63)]! + BYTE_TO_CHAR[0x80 | (cp & 63)]!;
      unitStart.push(i, i, i);
      unitEnd.push(e, e, e);
    } else {
      out +=
        BYTE_TO_CHAR[0xf0 | (cp >> 18)]! +
        BYTE_TO_CHAR[0x80 | ((cp >> 12) & 63)]! +
        BYTE_TO_CHAR[0x80 | ((cp >> 6) & 63)]! +
        BYTE_TO_CHAR[0x80 | (cp & 63)]!;
      unitStart.push(i, i, i, i);
      unitEnd.push(e, e, e, e);
    }
    i = e;
  }
  return out;
}

const utf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/** Decodes byte-level text back to a string (invalid UTF-8 becomes U+FFFD; unmapped chars are kept as is). */
export function fromByteLevel(text: string): string {
  const bytes = new Uint8Array(text.length * 3);
  let n = 0;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const b = c < 512 ? CHAR_TO_BYTE[c]! : -1;
    if (b >= 0) bytes[n++] = b;
    else {
      // Not a byte char (e.g. an added token): flush and keep it verbatim.
      out += utf8.decode(bytes.subarray(0, n)) + text[i];
      n = 0;
    }
  }
  return out + utf8.decode(bytes.subarray(0, n));
}
