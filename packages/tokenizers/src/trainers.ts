/**
 * Training vocabularies from a corpus: WordPiece and byte-level BPE (by merging the most
 * frequent pairs, as Hugging Face's trainers do), word-level and char-level (by frequency).
 */
import { BYTE_TO_CHAR, toByteLevel } from './bytes.js';
import { ByteLevelDecoder, JoinDecoder } from './decoders.js';
import { TokenizerConfigError } from './errors.js';
import { BPE } from './models/bpe.js';
import { BertNormalizer, type Normalizer } from './normalizers.js';
import { ByteLevelProcessing } from './post-processors.js';
import { BertPreTokenizer, ByteLevel, type PreTokenizer } from './pre-tokenizers.js';
import { Tokenizer } from './tokenizer.js';

/** Options shared by the trainers. */
export interface TrainerOptions {
  /** Target vocabulary size, special tokens included (WordPiece/BPE default 30000; word/char: no limit). */
  vocabSize?: number;
  /** Minimum frequency for a merge (WordPiece/BPE) or a word/char to enter the vocabulary (default 2 for word/char, 0 for merges). */
  minFrequency?: number;
  /** Special tokens, placed first in the vocabulary. */
  specialTokens?: string[];
  /** Lower-case and strip accents before counting (WordPiece/word/char; default true). */
  lowercase?: boolean;
}

/** Counts the words that `normalizer` + `preTokenizer` produce over `texts`. */
export function countWords(texts: Iterable<string>, normalizer: Normalizer | null, preTokenizer: PreTokenizer | null): Map<string, number> {
  const counts = new Map<string, number>();
  const spans: number[] = [];
  for (const raw of texts) {
    let t = raw;
    if (normalizer !== null) t = normalizer.normalize({ text: raw, start: null, end: null }).text;
    spans.length = 0;
    if (preTokenizer !== null) preTokenizer.splitRange(t, 0, t.length, spans);
    else spans.push(0, t.length);
    for (let k = 0; k < spans.length; k += 2) {
      const w = t.slice(spans[k], spans[k + 1]);
      if (w.length > 0) counts.set(w, (counts.get(w) ?? 0) + 1);
    }
  }
  return counts;
}

function chars(s: string): string[] {
  return Array.from(s);
}

/**
 * Learns BPE merges over word counts. Each word is split into chars (non-initial chars
 * get `prefix`). Returns the vocabulary (specials, alphabet, then merged tokens) and merges.
 */
export function learnBpe(
  counts: Map<string, number>,
  o: { vocabSize: number; minFrequency: number; specialTokens: string[]; prefix: string; alphabet?: readonly string[] },
): { vocab: string[]; merges: Array<[string, string]> } {
  const vocab: string[] = [];
  const index = new Map<string, number>();
  const add = (t: string): number => {
    let id = index.get(t);
    if (id === undefined) {
      id = vocab.length;
      vocab.push(t);
      index.set(t, id);
    }
    return id;
  };
  for (const s of o.specialTokens) add(s);
  // Alphabet.
  const words: Int32Array[] = [];
  const freqs: number[] = [];
  const alpha = new Set<string>(o.alphabet ?? []);
  for (const w of counts.keys()) chars(w).forEach((c, i) => alpha.add(i > 0 ? o.prefix + c : c));
  for (const c of [...alpha].sort()) add(c);
  for (const [w, f] of counts) {
    const cs = chars(w);
    words.push(Int32Array.from(cs.map((c, i) => index.get(i > 0 ? o.prefix + c : c)!)));
    freqs.push(f);
  }
  const S = 1 << 21;
  const key = (a: number, b: number): number => a * S + b;
  const pairCount = new Map<number, number>();
  const where = new Map<number, Set<number>>();
  const bump = (a: number, b: number, w: number, d: number): void => {
    const k = key(a, b);
    pairCount.set(k, (pairCount.get(k) ?? 0) + d);
    if (d > 0) {
      let s = where.get(k);
      if (s === undefined) where.set(k, (s = new Set()));
      s.add(w);
    }
  };
  words.forEach((sym, w) => {
    for (let i = 0; i + 1 < sym.length; i++) bump(sym[i]!, sym[i + 1]!, w, freqs[w]!);
  });
  // Max-heap of (count, key) with lazy re-checks; ties: smaller key first (deterministic).
  const heap: Array<[number, number]> = [];
  const better = (x: [number, number], y: [number, number]): boolean => x[0] > y[0] || (x[0] === y[0] && x[1] < y[1]);
  const push = (e: [number, number]): void => {
    heap.push(e);
    let i = heap.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!better(heap[i]!, heap[p]!)) break;
      [heap[i], heap[p]] = [heap[p]!, heap[i]!];
      i = p;
    }
  };
  const pop = (): [number, number] => {
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= heap.length) break;
        if (c + 1 < heap.length && better(heap[c + 1]!, heap[c]!)) c++;
        if (!better(heap[c]!, heap[i]!)) break;
        [heap[i], heap[c]] = [heap[c]!, heap[i]!];
        i = c;
      }
    }
    return top;
  };
  for (const [k, c] of pairCount) if (c > 0) push([c, k]);
  const merges: Array<[string, string]> = [];
  const minF = Math.max(1, o.minFrequency);
  while (vocab.length < o.vocabSize && heap.length > 0) {
    const [c, k] = pop();
    const cur = pairCount.get(k) ?? 0;
    if (cur !== c) {
      if (cur > 0) push([cur, k]);
      continue;
    }
    if (c < minF) break;
    const a = Math.floor(k / S);
    const b = k % S;
    const ta = vocab[a]!;
    const tb = vocab[b]!;
    const merged = ta + (o.prefix.length > 0 && tb.startsWith(o.prefix) ? tb.slice(o.prefix.length) : tb);
    const m = add(merged);
    merges.push([ta, tb]);
    const touched = new Set<number>();
    for (const w of where.get(k) ?? []) {
      const sym = words[w]!;
      const f = freqs[w]!;
      const out: number[] = [];
      let changed = false;
      for (let i = 0; i < sym.length; i++) {
        if (i + 1 < sym.length && sym[i] === a && sym[i + 1] === b) {
          // Update neighbours: (prev, a) → (prev, m); (b, next) → (m, next).
          if (out.length > 0) {
            const p = out[out.length - 1]!;
            bump(p, a, w, -f);
            bump(p, m, w, f);
            touched.add(key(p, m));
            touched.add(key(p, a));
          }
          if (i + 2 < sym.length) {
            const nx = sym[i + 2]!;
            bump(b, nx, w, -f);
            bump(m, nx, w, f);
            touched.add(key(m, nx));
            touched.add(key(b, nx));
          }
          bump(a, b, w, -f);
          out.push(m);
          i++;
          changed = true;
        } else out.push(sym[i]!);
      }
      if (changed) words[w] = Int32Array.from(out);
    }
    where.delete(k);
    for (const t of touched) {
      const c2 = pairCount.get(t) ?? 0;
      if (c2 > 0) push([c2, t]);
    }
  }
  return { vocab, merges };
}

function vocabSizeOf(o: TrainerOptions): number {
  const v = o.vocabSize ?? 30000;
  if (!Number.isInteger(v) || v <= 0) throw new TokenizerConfigError(`vocabSize must be a positive integer, got ${v}`);
  return v;
}

/** Trains a BERT-style WordPiece tokenizer (BERT normalizer and pre-tokenizer, `##` pieces). */
export function trainWordPiece(texts: Iterable<string>, o: TrainerOptions = {}): Tokenizer {
  const specials = o.specialTokens ?? ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
  if (!specials.includes('[UNK]')) specials.push('[UNK]');
  const lowercase = o.lowercase ?? true;
  const counts = countWords(texts, new BertNormalizer({ lowercase, stripAccents: lowercase ? null : false }), new BertPreTokenizer());
  const { vocab } = learnBpe(counts, { vocabSize: vocabSizeOf(o), minFrequency: o.minFrequency ?? 0, specialTokens: specials, prefix: '##' });
  return Tokenizer.fromVocab(vocab, { model: 'wordpiece', lowercase, specialTokens: specials });
}

/** Trains a GPT-2-style byte-level BPE tokenizer (every byte is in the alphabet, so nothing is unknown). */
export function trainBpe(texts: Iterable<string>, o: TrainerOptions & { addPrefixSpace?: boolean } = {}): Tokenizer {
  const specials = o.specialTokens ?? ['<|endoftext|>'];
  const pre = new ByteLevel({ addPrefixSpace: o.addPrefixSpace ?? false });
  const raw = countWords(texts, null, pre);
  const counts = new Map<string, number>();
  for (const [w, c] of raw) {
    const b = toByteLevel(w, [], []);
    counts.set(b, (counts.get(b) ?? 0) + c);
  }
  const { vocab, merges } = learnBpe(counts, { vocabSize: vocabSizeOf(o), minFrequency: o.minFrequency ?? 0, specialTokens: specials, prefix: '', alphabet: BYTE_TO_CHAR });
  const map = new Map(vocab.map((t, i) => [t, i]));
  return new Tokenizer({
    model: new BPE(map, merges),
    preTokenizer: pre,
    postProcessor: new ByteLevelProcessing(false),
    decoder: new ByteLevelDecoder(),
    addedTokens: specials.map((s) => ({ id: map.get(s)!, content: s, special: true })),
  });
}

function frequencyVocab(counts: Map<string, number>, o: TrainerOptions, dflt: string[]): string[] {
  const specials = o.specialTokens ?? dflt;
  const minF = o.minFrequency ?? 2;
  const max = o.vocabSize ?? Infinity;
  const seen = new Set(specials);
  const rest = [...counts]
    .filter(([w, c]) => c >= minF && !seen.has(w))
    .sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))
    .map(([w]) => w);
  return [...specials, ...rest].slice(0, Math.max(specials.length, max));
}

/** Trains a word-level tokenizer: words seen at least `minFrequency` times (default 2), others → `[UNK]`. */
export function trainWordLevel(texts: Iterable<string>, o: TrainerOptions = {}): Tokenizer {
  const lowercase = o.lowercase ?? true;
  const counts = countWords(texts, new BertNormalizer({ lowercase, stripAccents: lowercase ? null : false }), new BertPreTokenizer());
  const vocab = frequencyVocab(counts, o, ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
  const t = Tokenizer.fromVocab(vocab, { model: 'wordlevel', lowercase, specialTokens: o.specialTokens });
  t.decoder = new JoinDecoder(' ');
  return t;
}

/** Trains a char-level tokenizer: code points seen at least `minFrequency` times (default 2), others → `[UNK]`. */
export function trainCharLevel(texts: Iterable<string>, o: TrainerOptions = {}): Tokenizer {
  const lowercase = o.lowercase ?? false;
  const norm = lowercase ? new BertNormalizer({ handleChineseChars: false }) : new BertNormalizer({ handleChineseChars: false, lowercase: false, stripAccents: false });
  const counts = new Map<string, number>();
  for (const raw of texts) {
    for (const c of norm.normalize({ text: raw, start: null, end: null }).text) counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  const vocab = frequencyVocab(counts, o, ['[PAD]', '[UNK]', '[BOS]', '[EOS]']);
  return Tokenizer.fromVocab(vocab, { model: 'charlevel', lowercase, specialTokens: o.specialTokens ?? ['[PAD]', '[UNK]', '[BOS]', '[EOS]'] });
}
