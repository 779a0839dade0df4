/**
 * GLUE TSV files (SST-2's `sentence<TAB>label`, pairs with `sentence1`/`sentence2`, …): a
 * header row naming the columns, then one row per example. As GLUE's own readers, no
 * quoting: a tab always separates columns.
 */
import { DataFormatError } from '../errors.js';
import type { LineSource } from './lines.js';

/** One row of a GLUE TSV, keyed by the header's column names. */
export interface GlueRow {
  /** The cells by column name. */
  fields: Record<string, string>;
  /** 1-based line number. */
  line: number;
}

/**
 * Parses a GLUE TSV, streaming. The first line is the header (names must be non-empty and
 * distinct); a row with another number of columns throws {@link DataFormatError} naming
 * `source` and the line. Empty lines are skipped. `required` columns must be in the header.
 */
export async function* parseGlueTsv(lines: LineSource, source: string, required: readonly string[] = []): AsyncGenerator<GlueRow> {
  let n = 0;
  let header: string[] | null = null;
  for await (const text of lines) {
    n++;
    if (header === null) {
      header = text.split('\t');
      const bad = header.findIndex((h, i) => h === '' || header!.indexOf(h) !== i);
      if (bad >= 0) throw new DataFormatError(source, n, `header column ${bad + 1} is empty or repeated (${JSON.stringify(header[bad])})`);
      const missing = required.filter((c) => !header!.includes(c));
      if (missing.length > 0)
        throw new DataFormatError(
          source,
          n,
          `the header lacks column(s) ${missing.map((c) => JSON.stringify(c)).join(', ')}; it has ${header.join(', ')}`,
        );
      continue;
    }
    if (text === '') continue;
    const cells = text.split('\t');
    if (cells.length !== header.length)
      throw new DataFormatError(source, n, `expected ${header.length} tab-separated columns (${header.join(', ')}), got ${cells.length}`);
    const fields: Record<string, string> = {};
    header.forEach((h, i) => (fields[h] = cells[i]!));
    yield { fields, line: n };
  }
  if (header === null) throw new DataFormatError(source, 0, 'the file is empty (no header row)');
}

/** A labelled GLUE example for text classification. */
export interface GlueExample {
  /** The sentence (`sentence` or `sentence1`). */
  text: string;
  /** The second sentence of a pair (`sentence2`), when the file has one. */
  textPair?: string;
  /** The label cell (`label`), when the file has one. */
  label?: string;
  /** 1-based line number. */
  line: number;
}

/** GLUE rows as classification examples: `sentence` (or `sentence1`/`sentence2`) and `label`. */
export async function* glueExamples(rows: AsyncIterable<GlueRow>, source: string): AsyncGenerator<GlueExample> {
  for await (const r of rows) {
    const f = r.fields;
    const text = f.sentence ?? f.sentence1;
    if (text === undefined) throw new DataFormatError(source, r.line, 'has no "sentence" or "sentence1" column');
    const ex: GlueExample = { text, line: r.line };
    if (f.sentence2 !== undefined) ex.textPair = f.sentence2;
    if (f.label !== undefined) ex.label = f.label;
    yield ex;
  }
}
