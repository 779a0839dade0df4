/**
 * CoNLL-style token-per-line files: CoNLL-2003 (`word POS chunk NER`, space-separated,
 * `-DOCSTART-` lines between documents) and WNUT-17 (`token<TAB>tag`, where a
 * whitespace-only line, a lone tab included, ends a sentence). The tag is the last column.
 */
import { DataFormatError } from '../errors.js';
import type { LineSource } from './lines.js';

/** One sentence of a CoNLL file. */
export interface ConllSentence {
  /** The tokens (first column). */
  tokens: string[];
  /** The tags (last column). */
  tags: string[];
  /** Every column of every token line (`columns[i][c]`). */
  columns: string[][];
  /** 0-based index of the document (counted by `-DOCSTART-` lines; 0 when there are none). */
  document: number;
  /** 1-based line number of the sentence's first token. */
  line: number;
}

/** Options of {@link parseConll}. */
export interface ConllOptions {
  /**
   * Check that every tag is `O` or `B-TYPE`/`I-TYPE` (default true); a bad tag throws
   * {@link DataFormatError}. Set false for other tag sets.
   */
  iobTags?: boolean;
}

const IOB_TAG = /^(?:O|[BI]-\S+)$/;
const BLANK = /^\s*$/;

/** Splits a token line: on tabs when it has any, otherwise on runs of spaces. */
export function conllColumns(text: string): string[] {
  return text.includes('\t') ? text.split('\t') : text.split(/ +/).filter((c) => c !== '');
}

/** True for a `-DOCSTART-` line. */
export function isDocStart(text: string): boolean {
  return text.startsWith('-DOCSTART-');
}

/**
 * Parses a CoNLL file into sentences, streaming. Whitespace-only lines and `-DOCSTART-`
 * lines end sentences (no empty sentences are produced). Every token line must have the
 * column count of the file's first token line, at least 2 columns and non-empty cells;
 * otherwise {@link DataFormatError} names `source` and the line.
 */
export async function* parseConll(lines: LineSource, source: string, options: ConllOptions = {}): AsyncGenerator<ConllSentence> {
  const checkTags = options.iobTags ?? true;
  let n = 0;
  let width = -1;
  let doc = -1;
  let sawDocStart = false;
  let cur: ConllSentence | null = null;
  for await (const text of lines) {
    n++;
    if (BLANK.test(text) || isDocStart(text)) {
      if (cur !== null) yield cur;
      cur = null;
      if (isDocStart(text)) {
        doc++;
        sawDocStart = true;
      }
      continue;
    }
    const cols = conllColumns(text);
    if (cols.length < 2) throw new DataFormatError(source, n, `expected a token and a tag separated by a tab or spaces, got ${JSON.stringify(text)}`);
    if (width < 0) width = cols.length;
    else if (cols.length !== width) throw new DataFormatError(source, n, `expected ${width} columns as on the first token line, got ${cols.length}`);
    const empty = cols.findIndex((c) => c === '');
    if (empty >= 0) throw new DataFormatError(source, n, `column ${empty + 1} is empty`);
    const tag = cols[cols.length - 1]!;
    if (checkTags && !IOB_TAG.test(tag)) throw new DataFormatError(source, n, `tag ${JSON.stringify(tag)} is not O, B-TYPE or I-TYPE`);
    cur ??= { tokens: [], tags: [], columns: [], document: sawDocStart ? doc : 0, line: n };
    cur.tokens.push(cols[0]!);
    cur.tags.push(tag);
    cur.columns.push(cols);
  }
  if (cur !== null) yield cur;
}
