/**
 * Added tokens: tokens on top of the model's vocabulary (special tokens and user tokens),
 * found in the input before the model sees it. As in Hugging Face's `AddedVocabulary`,
 * tokens with `normalized: false` are matched in the raw text first; the text between them
 * is normalized, and tokens with `normalized: true` are matched in that normalized text
 * (their own content normalized by the same normalizer).
 */
import { TokenizerConfigError } from './errors.js';
import type { Normalizer } from './normalizers.js';

/** A token added on top of the model's vocabulary. */
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
  /**
   * Match in the normalized text (its content normalized too, so with a lower-casing
   * normalizer `[MyTok]` also matches `[mytok]`) rather than verbatim in the raw text
   * (false or undefined).
   */
  normalized?: boolean;
}

/**
 * A token to add with {@link Tokenizer.addTokens}: its content, or its content and flags
 * (`special` defaults to the call's, `normalized` to `!special`, as in HF).
 */
export type AddedTokenInput = string | ({ content: string } & Partial<Omit<AddedToken, 'id' | 'content'>>);

const reWordChar = /[\p{L}\p{N}_]/u;
const reSpace = /\s/u;

/** A leftmost-longest matcher over some strings, each standing for a token. */
interface Matcher {
  re: RegExp;
  byText: Map<string, AddedToken>;
}

function buildMatcher(entries: Array<[string, AddedToken]>): Matcher | null {
  const byText = new Map<string, AddedToken>();
  for (const [s, t] of entries) if (s.length > 0 && !byText.has(s)) byText.set(s, t);
  if (byText.size === 0) return null;
  const esc = [...byText.keys()].sort((x, y) => y.length - x.length).map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return { re: new RegExp(esc.join('|'), 'g'), byText };
}

/** The added tokens of a tokenizer, by id and content, and their matchers. */
export class AddedVocabulary {
  /** In the order they were added. */
  readonly tokens: AddedToken[] = [];
  readonly byId = new Map<number, AddedToken>();
  readonly byContent = new Map<string, AddedToken>();
  private raw: Matcher | null | undefined = undefined;
  private norm: Matcher | null | undefined = undefined;
  private normFor: Normalizer | null = null;
  private nNormalized = 0;

  /** Registers a token. */
  add(t: AddedToken): void {
    if (t.content.length === 0) throw new TokenizerConfigError('an added token cannot be empty');
    this.tokens.push(t);
    this.byId.set(t.id, t);
    this.byContent.set(t.content, t);
    if (t.normalized === true) this.nNormalized++;
    this.raw = undefined;
    this.norm = undefined;
  }

  /** Number of tokens matched in the raw text (`normalized` not true). */
  get rawCount(): number {
    return this.tokens.length - this.nNormalized;
  }

  /** Number of tokens matched in the normalized text (`normalized: true`). */
  get normalizedCount(): number {
    return this.nNormalized;
  }

  private rawMatcher(): Matcher | null {
    if (this.raw === undefined) this.raw = buildMatcher(this.tokens.filter((t) => t.normalized !== true).map((t) => [t.content, t]));
    return this.raw;
  }

  /** The matcher of the normalized tokens, their contents normalized by `normalizer` (rebuilt when it changes). */
  private normalizedMatcher(normalizer: Normalizer | null): Matcher | null {
    if (this.norm === undefined || this.normFor !== normalizer) {
      this.normFor = normalizer;
      this.norm = buildMatcher(
        this.tokens
          .filter((t) => t.normalized === true)
          .map((t) => [normalizer === null ? t.content : normalizer.normalize({ text: t.content, start: null, end: null }).text, t]),
      );
    }
    return this.norm;
  }

  /**
   * Splits `text` at the raw-text tokens: `piece(a, b)` for the text between them, in order,
   * and `token(t, s, e)` for each match at `[s, e)`, which includes the whitespace the token
   * absorbs (`lstrip`/`rstrip`), as HF's offsets do; `singleWord` tokens inside a word do
   * not match.
   */
  split(text: string, piece: (a: number, b: number) => void, token: (t: AddedToken, s: number, e: number) => void): void {
    splitWith(this.rawMatcher(), text, piece, token);
  }

  /**
   * As {@link split}, for the normalized-text tokens in `normalized`, the output of
   * `normalizer` (offsets are indices into `normalized`).
   */
  splitNormalized(normalized: string, normalizer: Normalizer | null, piece: (a: number, b: number) => void, token: (t: AddedToken, s: number, e: number) => void): void {
    splitWith(this.normalizedMatcher(normalizer), normalized, piece, token);
  }
}

function splitWith(m: Matcher | null, text: string, piece: (a: number, b: number) => void, token: (t: AddedToken, s: number, e: number) => void): void {
  if (m === null) {
    piece(0, text.length);
    return;
  }
  const re = m.re;
  re.lastIndex = 0;
  let last = 0;
  let x: RegExpExecArray | null;
  while ((x = re.exec(text)) !== null) {
    const tok = m.byText.get(x[0])!;
    let s = x.index;
    let e = s + x[0].length;
    if (tok.singleWord) {
      const before = s > 0 ? text.codePointAt(s - 1)! : 32;
      const after = e < text.length ? text.codePointAt(e)! : 32;
      if (reWordChar.test(String.fromCodePoint(before)) || reWordChar.test(String.fromCodePoint(after))) continue;
    }
    if (tok.lstrip) while (s > last && reSpace.test(text[s - 1]!)) s--;
    if (tok.rstrip) while (e < text.length && reSpace.test(text[e]!)) e++;
    piece(last, s);
    token(tok, s, e);
    last = e;
    re.lastIndex = e;
  }
  piece(last, text.length);
}
