/**
 * The `heed predict` file formats, per task: how inputs are read from a file and how
 * predictions are written. Each reader returns the items to run and a writer that turns
 * one prediction per item into the output text.
 */
import { DataFormatError } from '../errors.js';
import { collect } from '../data/lines.js';
import { conllColumns, isDocStart } from '../data/conll.js';
import { parseGlueTsv } from '../data/glue.js';
import { parseSquad } from '../data/squad.js';
import type { TextClassificationInput } from '../pipelines/text-classification.js';
import { readLines, readText } from '../data/files-node.js';

/** Lines of a CoNLL file, kept so that blank and `-DOCSTART-` lines are copied through. */
export type ConllLine = { kind: 'token'; sentence: number; index: number; token: string } | { kind: 'copy'; text: string };

/** Reads a CoNLL file for prediction: the sentences' tokens and every line in order. */
export async function readConllForPredict(path: string): Promise<{ sentences: string[][]; lines: ConllLine[] }> {
  const sentences: string[][] = [];
  const lines: ConllLine[] = [];
  let cur: string[] | null = null;
  let n = 0;
  for await (const text of readLines(path)) {
    n++;
    if (/^\s*$/.test(text) || isDocStart(text)) {
      cur = null;
      lines.push({ kind: 'copy', text });
      continue;
    }
    const token = conllColumns(text)[0];
    if (token === undefined || token === '') throw new DataFormatError(path, n, 'a token line must start with the token');
    if (cur === null) {
      cur = [];
      sentences.push(cur);
    }
    lines.push({ kind: 'token', sentence: sentences.length - 1, index: cur.length, token });
    cur.push(token);
  }
  return { sentences, lines };
}

/** Writes CoNLL predictions: `token tag` per token line, blank and `-DOCSTART-` lines unchanged. */
export function writeConll(lines: readonly ConllLine[], tags: readonly (readonly string[])[]): string {
  return lines.map((l) => (l.kind === 'copy' ? l.text : `${l.token} ${tags[l.sentence]![l.index]!}`)).join('\n') + '\n';
}

/** Reads a GLUE-style TSV (header with `sentence`, or `sentence`/`sentence1` and `sentence2`) for text classification. */
export async function readClassificationTsv(path: string): Promise<{ inputs: TextClassificationInput[]; labels: (string | undefined)[] }> {
  const rows = await collect(parseGlueTsv(readLines(path), path));
  const inputs: TextClassificationInput[] = [];
  const labels: (string | undefined)[] = [];
  for (const r of rows) {
    const f = r.fields;
    const text = f.sentence ?? f.sentence1;
    if (text === undefined) throw new DataFormatError(path, 1, 'the header needs a "sentence" (or "sentence1") column');
    inputs.push(f.sentence2 !== undefined ? { text, textPair: f.sentence2 } : text);
    labels.push(f.label);
  }
  return { inputs, labels };
}

/** Reads one sentence per line (translation input); empty lines are kept as empty inputs. */
export async function readSentences(path: string): Promise<string[]> {
  return collect(readLines(path));
}

/** Reads a SQuAD v1.1 file for prediction: the questions with their contexts and ids. */
export async function readSquadForPredict(path: string): Promise<Array<{ id: string; question: string; context: string; answers: string[] }>> {
  const ds = parseSquad(await readText(path), path);
  return ds.examples.map((e) => ({ id: e.id, question: e.question, context: e.context, answers: e.answers.map((a) => a.text) }));
}

/** Word-level tags from token predictions: each word takes the label of its first token (words with no token get `O`). */
export function wordTags(
  wordSpans: readonly (readonly [number, number])[],
  tokens: readonly { entity: string; start: number; end: number }[],
): string[] {
  const sorted = [...tokens].sort((a, b) => a.start - b.start);
  let k = 0;
  return wordSpans.map(([s, e]) => {
    while (k < sorted.length && sorted[k]!.start < s) k++;
    const t = sorted[k];
    return t !== undefined && t.start < e ? t.entity : 'O';
  });
}

/** Joins CoNLL tokens with spaces; returns the text and each token's span in it. */
export function joinTokens(tokens: readonly string[]): { text: string; spans: Array<[number, number]> } {
  const spans: Array<[number, number]> = [];
  let pos = 0;
  for (const t of tokens) {
    spans.push([pos, pos + t.length]);
    pos += t.length + 1;
  }
  return { text: tokens.join(' '), spans };
}
