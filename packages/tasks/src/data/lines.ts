/**
 * Line sources for the data parsers: any iterable or async iterable of lines (without
 * their line ends). `@heed/tasks/node` streams files (gzip too) as such sources; in a
 * browser, `splitLines(text)` turns fetched text into one.
 */

/** Lines without line ends, in file order. */
export type LineSource = Iterable<string> | AsyncIterable<string>;

/** Splits text into lines (`\n`, `\r\n`); a final line end does not make an extra empty line. */
export function splitLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Collects an async iterable into an array. */
export async function collect<T>(items: AsyncIterable<T> | Iterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of items) out.push(x);
  return out;
}
