/** WordPiece: greedy longest-match-first over a vocabulary, continuation pieces prefixed `##`. */
import { TokenizerFormatError } from '../errors.js';
import { VocabModel, vocabToObject, type Model, type WordTokens } from './model.js';
import { Trie } from './trie.js';

/** Options of {@link WordPiece}. */
export interface WordPieceOptions {
  /** Unknown token (default `[UNK]`); it must be in the vocabulary. */
  unkToken?: string;
  /** Prefix of non-initial pieces (default `##`). */
  continuingSubwordPrefix?: string;
  /** Words longer than this many code points become the unknown token (default 100). */
  maxInputCharsPerWord?: number;
}

/** The WordPiece model. */
export class WordPiece extends VocabModel implements Model {
  readonly type = 'WordPiece';
  readonly unkToken: string;
  readonly continuingSubwordPrefix: string;
  readonly maxInputCharsPerWord: number;
  private readonly unkId: number;
  private readonly first = new Trie(1 << 17);
  private readonly cont = new Trie(1 << 16);
  private readonly idBuf = new Int32Array(1);

  constructor(vocab: Map<string, number>, o: WordPieceOptions = {}) {
    super(vocab);
    this.unkToken = o.unkToken ?? '[UNK]';
    this.continuingSubwordPrefix = o.continuingSubwordPrefix ?? '##';
    this.maxInputCharsPerWord = o.maxInputCharsPerWord ?? 100;
    const unk = vocab.get(this.unkToken);
    if (unk === undefined) throw new TokenizerFormatError('model.unk_token', `unknown token ${JSON.stringify(this.unkToken)} is not in the vocabulary`);
    this.unkId = unk;
    const p = this.continuingSubwordPrefix;
    for (const [t, id] of vocab) {
      this.first.insert(t, id);
      if (p.length > 0 && t.startsWith(p) && t.length > p.length) this.cont.insert(t, id, p.length);
    }
  }

  tokenize(word: string, out: WordTokens): void {
    const n = word.length;
    // Count code points only when the unit count could exceed the limit.
    if (n > this.maxInputCharsPerWord) {
      let cps = 0;
      for (let i = 0; i < n; i++) {
        const c = word.charCodeAt(i);
        if (c < 0xdc00 || c > 0xdfff || i === 0 || word.charCodeAt(i - 1) < 0xd800 || word.charCodeAt(i - 1) > 0xdbff) cps++;
      }
      if (cps > this.maxInputCharsPerWord) {
        out.ids.push(this.unkId);
        out.starts.push(0);
        out.ends.push(n);
        return;
      }
    }
    const mark = out.ids.length;
    let start = 0;
    while (start < n) {
      const trie = start === 0 ? this.first : this.cont;
      const end = trie.longest(word, start, n, this.idBuf);
      if (end < 0) {
        out.ids.length = mark;
        out.starts.length = mark;
        out.ends.length = mark;
        out.ids.push(this.unkId);
        out.starts.push(0);
        out.ends.push(n);
        return;
      }
      out.ids.push(this.idBuf[0]!);
      out.starts.push(start);
      out.ends.push(end);
      start = end;
    }
  }

  toJSON(): Record<string, unknown> {
    return {
      type: this.type,
      unk_token: this.unkToken,
      continuing_subword_prefix: this.continuingSubwordPrefix,
      max_input_chars_per_word: this.maxInputCharsPerWord,
      vocab: vocabToObject(this.vocab),
    };
  }
}
