/**
 * The Tatoeba/manythings sentence-pair files (e.g. `fra-eng/fra.txt`): one pair per line,
 * `english<TAB>other`, optionally followed by manythings' attribution column.
 */
import { DataFormatError } from '../errors.js';
import type { LineSource } from './lines.js';

/** One sentence pair of a manythings file. */
export interface SentencePair {
  /** The English sentence (first column). */
  english: string;
  /** The other language's sentence (second column; French in `fra.txt`). */
  other: string;
  /** 1-based line number in the file. */
  line: number;
}

/**
 * Parses a manythings pair file, streaming. Empty lines are skipped; a line with fewer
 * than 2 or more than 3 tab-separated columns, or an empty sentence, throws
 * {@link DataFormatError} naming `source` and the line.
 */
export async function* parseSentencePairs(lines: LineSource, source: string): AsyncGenerator<SentencePair> {
  let n = 0;
  for await (const text of lines) {
    n++;
    if (text === '') continue;
    const cols = text.split('\t');
    if (cols.length < 2 || cols.length > 3) {
      throw new DataFormatError(source, n, `expected "english<TAB>translation" (2 or 3 tab-separated columns), got ${cols.length}`);
    }
    const [english, other] = cols as [string, string];
    if (english.trim() === '' || other.trim() === '') throw new DataFormatError(source, n, 'a sentence of the pair is empty');
    yield { english, other, line: n };
  }
}
