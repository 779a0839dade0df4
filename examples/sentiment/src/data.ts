import { readFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One labelled sentence. */
export interface Example {
  tokens: string[];
  label: number;
}

/** The shared data folder: $HEED_DATA, else ../shared/data beside the repository. */
export function dataDir(): string {
  if (process.env.HEED_DATA) return resolve(process.env.HEED_DATA);
  const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
  return join(repoRoot, '..', 'shared', 'data');
}

/** Reads a GLUE SST-2 TSV file (header `sentence\tlabel`; text already lower-cased and tokenized). */
export function readSst2(file: 'train' | 'dev'): Example[] {
  const path = join(dataDir(), 'classification', 'sst2', `${file}.tsv`);
  if (!existsSync(path)) {
    throw new Error(`SST-2 file not found at ${path}; set HEED_DATA to the folder holding classification/sst2/`);
  }
  const lines = readFileSync(path, 'utf8').split('\n');
  const out: Example[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const tab = line.lastIndexOf('\t');
    const label = Number(line.slice(tab + 1));
    if (tab < 0 || (label !== 0 && label !== 1)) throw new Error(`${path}:${i + 1}: expected "sentence<TAB>0|1"`);
    out.push({ tokens: line.slice(0, tab).trim().split(/\s+/).filter(Boolean), label });
  }
  return out;
}

/** A word vocabulary with an unknown token at id 1 and padding at id 0. */
export class Vocab {
  readonly ids = new Map<string, number>();
  static readonly PAD = 0;
  static readonly UNK = 1;

  constructor(examples: readonly Example[], minFreq: number) {
    const counts = new Map<string, number>();
    for (const ex of examples) for (const t of ex.tokens) counts.set(t, (counts.get(t) ?? 0) + 1);
    const words = [...counts].filter(([, c]) => c >= minFreq).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    words.forEach(([w], i) => this.ids.set(w, i + 2));
  }

  get size(): number {
    return this.ids.size + 2;
  }

  encode(tokens: readonly string[]): number[] {
    return tokens.map((t) => this.ids.get(t) ?? Vocab.UNK);
  }
}
