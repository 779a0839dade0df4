/**
 * Python's string semantics where metrics depend on them: `str.split()` splits on
 * Python's whitespace set, which differs from JavaScript's `\s` (Python includes
 * U+001C–U+001F and U+0085; JavaScript includes U+FEFF).
 */

/** One character of Python's `str.isspace()` set. */
const PY_SPACE = '\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const SPLIT_RE = new RegExp(`[${PY_SPACE}]+`, 'u');
const TRAIL_RE = new RegExp(`[${PY_SPACE}]+$`, 'u');

/** Python's `s.split()`: fields separated by runs of whitespace, no empty fields. */
export function pySplit(s: string): string[] {
  return s.split(SPLIT_RE).filter((w) => w.length > 0);
}

/** Python's `s.rstrip()` (no argument): trailing whitespace removed. */
export function pyRstrip(s: string): string {
  return s.replace(TRAIL_RE, '');
}
