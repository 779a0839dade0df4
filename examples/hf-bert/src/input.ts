import { ArgumentError } from '@heed/core';

/** A malformed line of the input file; the message names the file and line number. */
export class InputLineError extends ArgumentError {
  constructor(
    readonly file: string,
    readonly line: number,
    reason: string,
  ) {
    super(`${file}:${line}: ${reason}`);
    this.name = 'InputLineError';
  }
}

/** One input: a text, or a pair `text<TAB>text_pair`. */
export interface InputItem {
  /** 1-based line number in the input file. */
  line: number;
  text: string;
  textPair?: string;
}

/**
 * Parses the input file's text: one item per line, `text` or `text<TAB>text_pair`. A final
 * newline is allowed; an empty or blank line, an empty side of a pair, or more than one
 * TAB is an InputLineError naming the line.
 */
export function parseInput(content: string, file: string): InputItem[] {
  const lines = content.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  return lines.map((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') throw new InputLineError(file, line, 'empty line (each line must hold a text, or text<TAB>text_pair)');
    const parts = raw.split('\t');
    if (parts.length > 2) throw new InputLineError(file, line, `${parts.length - 1} TABs; a line holds a text or text<TAB>text_pair`);
    if (parts.some((p) => p.trim() === '')) throw new InputLineError(file, line, 'an empty text on one side of the TAB');
    return parts.length === 2 ? { line, text: parts[0]!, textPair: parts[1]! } : { line, text: parts[0]! };
  });
}
