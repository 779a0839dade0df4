/** Word-level and char-level models: a whole word (or each code point) maps to one id. */
import { TokenizerFormatError, TokenizerInputError } from '../errors.js';
import { VocabModel, vocabToObject, type Model, type WordTokens } from './model.js';

function unkIdOf(vocab: Map<string, number>, unk: string | null): number {
  if (unk === null) return -1;
  const id = vocab.get(unk);
  if (id === undefined) throw new TokenizerFormatError('model.unk_token', `unknown token ${JSON.stringify(unk)} is not in the vocabulary`);
  return id;
}

/** Each word is one token; words outside the vocabulary become the unknown token. */
export class WordLevel extends VocabModel implements Model {
  readonly type = 'WordLevel';
  private readonly unkId: number;
  constructor(
    vocab: Map<string, number>,
    readonly unkToken: string | null = '[UNK]',
  ) {
    super(vocab);
    this.unkId = unkIdOf(vocab, unkToken);
  }
  tokenize(word: string, out: WordTokens): void {
    if (word.length === 0) return;
    let id = this.vocab.get(word);
    if (id === undefined) {
      if (this.unkId < 0) throw new TokenizerInputError(`WordLevel: word ${JSON.stringify(word.slice(0, 50))} is not in the vocabulary and there is no unknown token`);
      id = this.unkId;
    }
    out.ids.push(id);
    out.starts.push(0);
    out.ends.push(word.length);
  }
  toJSON(): Record<string, unknown> {
    return { type: this.type, vocab: vocabToObject(this.vocab), unk_token: this.unkToken };
  }
}

/**
 * Each code point is one token; unknown chars become the unknown token. Not a Hugging
 * Face model: saved as `{"type": "CharLevel", ...}` (a Heed extension).
 */
export class CharLevel extends VocabModel implements Model {
  readonly type = 'CharLevel';
  private readonly unkId: number;
  constructor(
    vocab: Map<string, number>,
    readonly unkToken: string | null = '[UNK]',
  ) {
    super(vocab);
    this.unkId = unkIdOf(vocab, unkToken);
  }
  tokenize(word: string, out: WordTokens): void {
    const n = word.length;
    for (let i = 0; i < n; ) {
      const c = word.charCodeAt(i);
      const w = c >= 0xd800 && c <= 0xdbff && i + 1 < n && (word.charCodeAt(i + 1) & 0xfc00) === 0xdc00 ? 2 : 1;
      let id = this.vocab.get(w === 1 ? word[i]! : word.slice(i, i + 2));
      if (id === undefined) id = this.unkId;
      if (id >= 0) {
        out.ids.push(id);
        out.starts.push(i);
        out.ends.push(i + w);
      }
      i += w;
    }
  }
  toJSON(): Record<string, unknown> {
    return { type: this.type, vocab: vocabToObject(this.vocab), unk_token: this.unkToken };
  }
}
