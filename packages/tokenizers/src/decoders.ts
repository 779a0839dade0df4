/** Decoders: tokens back to text. */
import { fromByteLevel } from './bytes.js';

/** A decoder. */
export interface Decoder {
  /** The Hugging Face `type` name. */
  readonly type: string;
  /** Joins tokens into text. */
  decode(tokens: readonly string[]): string;
  /** The Hugging Face `tokenizer.json` form. */
  toJSON(): Record<string, unknown>;
}

/** Hugging Face's `cleanup`: removes spaces before punctuation and English contractions. */
export function cleanupTokenization(s: string): string {
  return s
    .replaceAll(' .', '.')
    .replaceAll(' ?', '?')
    .replaceAll(' !', '!')
    .replaceAll(' ,', ',')
    .replaceAll(" ' ", "'")
    .replaceAll(" n't", "n't")
    .replaceAll(" 'm", "'m")
    .replaceAll(' do not', " don't")
    .replaceAll(" 's", "'s")
    .replaceAll(" 've", "'ve")
    .replaceAll(" 're", "'re");
}

/** WordPiece decoder: joins with spaces, glues `##` pieces to the previous token. */
export class WordPieceDecoder implements Decoder {
  readonly type = 'WordPiece';
  constructor(
    readonly prefix = '##',
    readonly cleanup = true,
  ) {}
  decode(tokens: readonly string[]): string {
    let s = '';
    tokens.forEach((t, i) => {
      if (i > 0 && t.startsWith(this.prefix)) s += t.slice(this.prefix.length);
      else s += (i > 0 ? ' ' : '') + t;
    });
    return this.cleanup ? cleanupTokenization(s) : s;
  }
  toJSON(): Record<string, unknown> {
    return { type: this.type, prefix: this.prefix, cleanup: this.cleanup };
  }
}

/** Byte-level decoder: maps the byte chars back to bytes and decodes UTF-8. */
export class ByteLevelDecoder implements Decoder {
  readonly type = 'ByteLevel';
  decode(tokens: readonly string[]): string {
    return fromByteLevel(tokens.join(''));
  }
  toJSON(): Record<string, unknown> {
    return { type: this.type, add_prefix_space: true, trim_offsets: true, use_regex: true };
  }
}

/** BPE decoder for models with an end-of-word suffix (e.g. `</w>`). */
export class BPEDecoder implements Decoder {
  readonly type = 'BPEDecoder';
  constructor(readonly suffix = '</w>') {}
  decode(tokens: readonly string[]): string {
    return tokens
      .map((t, i) => t.replaceAll(this.suffix, i === tokens.length - 1 ? '' : ' '))
      .join('');
  }
  toJSON(): Record<string, unknown> {
    return { type: this.type, suffix: this.suffix };
  }
}

/** Joins tokens with a separator (default a space); for word-level and char-level models. */
export class JoinDecoder implements Decoder {
  readonly type = 'Join';
  constructor(readonly separator = ' ') {}
  decode(tokens: readonly string[]): string {
    return tokens.join(this.separator);
  }
  toJSON(): Record<string, unknown> {
    return { type: this.type, separator: this.separator };
  }
}
