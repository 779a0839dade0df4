/**
 * English–French pairs from the shared Tatoeba file, prepared as in Dive into Deep
 * Learning §10.5: non-breaking spaces become spaces, text is lower-cased, punctuation is
 * split off as its own token, words are split on spaces. Vocabularies keep the tokens
 * seen at least `minFreq` times; the rest map to <unk>.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HostBatch } from '@heed/models';

/** Special ids, the same in both vocabularies. */
export const PAD = 0;
export const BOS = 1;
export const EOS = 2;
export const UNK = 3;
const SPECIALS = ['<pad>', '<bos>', '<eos>', '<unk>'];

/** The shared data directory: `$HEED_DATA`, else `../shared/data` beside the repository. */
export function dataDir(): string {
  const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
  return process.env.HEED_DATA ?? join(repoRoot, '..', 'shared', 'data');
}

/** D2L's preprocessing of one sentence → tokens. */
export function tokenize(text: string): string[] {
  const t = text.replace(/[\u202f\u00a0]/g, ' ').toLowerCase();
  let out = '';
  for (let i = 0; i < t.length; i++) {
    const c = t[i]!;
    out += i > 0 && ',.!?'.includes(c) && t[i - 1] !== ' ' ? ` ${c}` : c;
  }
  return out.split(' ').filter((w) => w !== '');
}

/** A word ↔ id table with the four specials first. */
export class Vocab {
  readonly words: string[];
  private readonly index: Map<string, number>;

  constructor(sentences: readonly (readonly string[])[], minFreq = 2) {
    const counts = new Map<string, number>();
    for (const s of sentences) for (const w of s) counts.set(w, (counts.get(w) ?? 0) + 1);
    const kept = [...counts].filter(([, n]) => n >= minFreq).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    this.words = [...SPECIALS, ...kept.map(([w]) => w)];
    this.index = new Map(this.words.map((w, i) => [w, i]));
  }

  get size(): number {
    return this.words.length;
  }

  /** Ids of `tokens` (<unk> for unknown words). */
  encode(tokens: readonly string[]): number[] {
    return tokens.map((w) => this.index.get(w) ?? UNK);
  }

  /** Words of `ids` (pad, BOS and EOS dropped; unknown words as <unk>). */
  decode(ids: readonly number[]): string[] {
    return ids.filter((i) => i > EOS).map((i) => this.words[i] ?? '<unk>');
  }
}

/** One tokenized pair. */
export interface Pair {
  readonly src: string[];
  readonly tgt: string[];
}

/**
 * The first `count` pairs of `fra-first10k.txt` (english<TAB>french per line) whose sides
 * have at most `maxTokens` tokens. A line without a tab is an error naming the line.
 */
export async function readPairs(count: number, maxTokens = 10): Promise<Pair[]> {
  const path = join(dataDir(), 'translation', 'fra-eng', 'fra-first10k.txt');
  const lines = (await readFile(path, 'utf8')).split('\n');
  const pairs: Pair[] = [];
  for (let i = 0; i < lines.length && pairs.length < count; i++) {
    if (lines[i]!.trim() === '') continue;
    const [en, fr] = lines[i]!.split('\t');
    if (fr === undefined) throw new Error(`${path}:${i + 1}: expected "english<TAB>french"`);
    const pair = { src: tokenize(en!), tgt: tokenize(fr) };
    if (pair.src.length <= maxTokens && pair.tgt.length <= maxTokens) pairs.push(pair);
  }
  return pairs;
}

/**
 * Host batches of `size` pairs for the Trainer: `inputIds` and `attentionMask` (source,
 * right-padded), `labels` (target + EOS, -100 at padding). The model shifts the labels
 * behind BOS for teacher forcing.
 */
export function toBatches(pairs: readonly Pair[], src: Vocab, tgt: Vocab, size: number): HostBatch[] {
  const batches: HostBatch[] = [];
  for (let i = 0; i < pairs.length; i += size) {
    const chunk = pairs.slice(i, i + size);
    const s = chunk.map((p) => src.encode(p.src));
    const t = chunk.map((p) => [...tgt.encode(p.tgt), EOS]);
    const S = Math.max(...s.map((x) => x.length));
    const T = Math.max(...t.map((x) => x.length));
    const pad = (rows: number[][], width: number, value: number): Int32Array =>
      Int32Array.from(rows.flatMap((r) => [...r, ...new Array<number>(width - r.length).fill(value)]));
    const mask = Uint8Array.from(s.flatMap((r) => Array.from({ length: S }, (_, j) => (j < r.length ? 1 : 0))));
    batches.push({
      inputIds: { data: pad(s, S, PAD), shape: [chunk.length, S] },
      attentionMask: { data: mask, shape: [chunk.length, S] },
      labels: { data: pad(t, T, -100), shape: [chunk.length, T] },
    });
  }
  return batches;
}
