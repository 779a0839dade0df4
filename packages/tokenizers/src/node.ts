/**
 * Node.js file helpers for `@heed/tokenizers` (kept apart so the main entry point has no
 * Node dependency). Import from `@heed/tokenizers/node`.
 * @packageDocumentation
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { TokenizerFormatError } from './errors.js';
import { Tokenizer, type FromVocabOptions } from './tokenizer.js';

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new TokenizerFormatError(path, `cannot read: ${(e as Error).message}`);
  }
}

/** Loads a Hugging Face `tokenizer.json` file. */
export function fromFile(path: string): Tokenizer {
  return Tokenizer.fromJSON(read(path));
}

/** Loads a BERT `vocab.txt` file into a BERT WordPiece tokenizer. */
export function fromVocabFile(path: string, options: Omit<FromVocabOptions, 'model'> = {}): Tokenizer {
  return Tokenizer.fromBertVocab(read(path), options);
}

/** Loads GPT-2's `vocab.json` and `merges.txt` files into a byte-level BPE tokenizer. */
export function fromGpt2Files(vocabPath: string, mergesPath: string, options: { addPrefixSpace?: boolean } = {}): Tokenizer {
  return Tokenizer.fromGpt2(read(vocabPath), read(mergesPath), options);
}

/** Saves a tokenizer as a Hugging Face `tokenizer.json` file. */
export function saveTokenizer(tokenizer: Tokenizer, path: string, pretty = false): void {
  writeFileSync(path, tokenizer.toString(pretty));
}

export { Tokenizer };
