/** Test helpers: where the shared data lives (`HEED_DATA` overrides) and readers for it. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

/** Root of the shared data folder. */
export const DATA = process.env.HEED_DATA ?? fileURLToPath(new URL('../../../../../shared/data', import.meta.url));

/** Reads a data file as text. */
export function readData(rel: string): string {
  const p = join(DATA, rel);
  const buf = readFileSync(p);
  return (p.endsWith('.gz') ? gunzipSync(buf) : buf).toString('utf8');
}

/** Path of a data file. */
export function dataPath(rel: string): string {
  return join(DATA, rel);
}

/** The llama.cpp edge cases: [text, expected ids]. */
export function llamaCases(rel: string): Array<[string, number[]]> {
  const inp = readData(`${rel}.inp`).split('\n__ggml_vocab_test__\n');
  inp.pop();
  const out = readData(`${rel}.out`).split('\n');
  return inp.map((x, i) => [x, out[i]!.trim() === '' ? [] : out[i]!.trim().split(' ').map(Number)]);
}

/** Every SQuAD dev context. */
export function squadContexts(): string[] {
  const d = JSON.parse(readData('qa/squad-v1.1/dev-v1.1.shared.json')) as { data: { paragraphs: { context: string; qas: { question: string }[] }[] }[] };
  return d.data.flatMap((a) => a.paragraphs.map((p) => p.context));
}

/** Every SQuAD dev question. */
export function squadQuestions(): string[] {
  const d = JSON.parse(readData('qa/squad-v1.1/dev-v1.1.shared.json')) as { data: { paragraphs: { context: string; qas: { question: string }[] }[] }[] };
  return d.data.flatMap((a) => a.paragraphs.flatMap((p) => p.qas.map((q) => q.question)));
}
