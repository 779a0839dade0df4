/** The model contract: one pre-tokenized word in, tokens out. */

/** Growable output of {@link Model.tokenize}: token ids with their spans inside the word. */
export interface WordTokens {
  /** Token ids. */
  ids: number[];
  /** Start (UTF-16 unit index inside the word) of each token. */
  starts: number[];
  /** End (exclusive) of each token. */
  ends: number[];
}

/** A tokenization model (WordPiece, BPE, word-level, char-level). */
export interface Model {
  /** The Hugging Face `type` name. */
  readonly type: string;
  /** The unknown token, if any. */
  readonly unkToken: string | null;
  /** Tokenizes one word, appending to `out` (spans relative to `word`). */
  tokenize(word: string, out: WordTokens): void;
  /** Id of a token, or undefined. */
  tokenToId(token: string): number | undefined;
  /** Token of an id, or undefined. */
  idToToken(id: number): string | undefined;
  /** Number of ids (max id + 1). */
  readonly vocabSize: number;
  /** The vocabulary as token → id. */
  getVocab(): Map<string, number>;
  /** The Hugging Face `tokenizer.json` form. */
  toJSON(): Record<string, unknown>;
}

/** Builds the id → token array of a vocabulary. */
export function invertVocab(vocab: Map<string, number>): string[] {
  let max = -1;
  for (const id of vocab.values()) if (id > max) max = id;
  const arr = new Array<string>(max + 1);
  for (const [t, id] of vocab) arr[id] = t;
  return arr;
}

/** The vocabulary as a plain object sorted by id (for JSON). */
export function vocabToObject(vocab: Map<string, number>): Record<string, number> {
  const o: Record<string, number> = {};
  for (const [t, id] of [...vocab].sort((x, y) => x[1] - y[1])) o[t] = id;
  return o;
}

/**
 * The vocabulary lookups every model shares: token → id over the vocabulary Map and
 * id → token over its inverse.
 */
export abstract class VocabModel {
  protected readonly inv: string[];

  constructor(protected readonly vocab: Map<string, number>) {
    this.inv = invertVocab(vocab);
  }

  get vocabSize(): number {
    return this.inv.length;
  }
  tokenToId(token: string): number | undefined {
    return this.vocab.get(token);
  }
  idToToken(id: number): string | undefined {
    return this.inv[id];
  }
  getVocab(): Map<string, number> {
    return new Map(this.vocab);
  }
}
