/**
 * Added tokens: tokens on top of the model's vocabulary (special tokens and user tokens),
 * found in the input before the model sees it.
 */
import { TokenizerConfigError } from './errors.js';

/** A token added on top of the model's vocabulary, matched in the raw text before normalization. */
export interface AddedToken {
  /** Its id. */
  id: number;
  /** Its text. */
  content: string;
  /** Special tokens are skipped by `decode` by default. */
  special: boolean;
  /** Only match as a whole word. */
  singleWord?: boolean;
  /** Absorb whitespace on its left. */
  lstrip?: boolean;
  /** Absorb whitespace on its right. */
  rstrip?: boolean;
  /** HF flag, kept for round-trips; this implementation always matches on the raw text. */
  normalized?: boolean;
}

const reWordChar = /[\p{L}\p{N}_]/u;
const reSpace = /\s/u;

/** The added tokens of a tokenizer, by id and content, and their matcher. */
export class AddedVocabulary {
  /** In the order they were added. */
  readonly tokens: AddedToken[] = [];
  readonly byId = new Map<number, AddedToken>();
  readonly byContent = new Map<string, AddedToken>();
  private re: RegExp | null = null;

  /** Registers a token. */
  add(t: AddedToken): void {
    if (t.content.length === 0) throw new TokenizerConfigError('an added token cannot be empty');
    this.tokens.push(t);
    this.byId.set(t.id, t);
    this.byContent.set(t.content, t);
    this.re = null;
  }

  /** Leftmost-longest matcher of the contents. */
  private matcher(): RegExp | null {
    if (this.re === null && this.tokens.length > 0) {
      const esc = [...this.tokens].sort((x, y) => y.content.length - x.content.length).map((a) => a.content.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
      this.re = new RegExp(esc.join('|'), 'g');
    }
    return this.re;
  }

  /** Whether any token is registered. */
  get size(): number {
    return this.tokens.length;
  }

  /**
   * Splits `text` at the added tokens: `piece(a, b)` for the text between them, in order,
   * and `token(t, s, e)` for each match at `[s, e)`. Whitespace a token strips
   * (`lstrip`/`rstrip`) belongs to neither; `singleWord` tokens inside a word do not match.
   */
  split(text: string, piece: (a: number, b: number) => void, token: (t: AddedToken, s: number, e: number) => void): void {
    const re = this.matcher();
    if (re === null) {
      piece(0, text.length);
      return;
    }
    re.lastIndex = 0;
    let last = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(text)) !== null) {
      const tok = this.byContent.get(m[0])!;
      let s = m.index;
      let e = s + m[0].length;
      if (tok.singleWord) {
        const before = s > 0 ? text.codePointAt(s - 1)! : 32;
        const after = e < text.length ? text.codePointAt(e)! : 32;
        if (reWordChar.test(String.fromCodePoint(before)) || reWordChar.test(String.fromCodePoint(after))) continue;
      }
      if (tok.lstrip) while (s > last && reSpace.test(text[s - 1]!)) s--;
      if (tok.rstrip) while (e < text.length && reSpace.test(text[e]!)) e++;
      piece(last, s);
      token(tok, m.index, m.index + m[0].length);
      last = e;
      re.lastIndex = e;
    }
    piece(last, text.length);
  }
}
