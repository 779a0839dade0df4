/**
 * Typed errors of `@heed/tokenizers`. Every error thrown by this package is a
 * {@link TokenizerError}; the subclasses say which kind of mistake was made.
 */

/** Base class of every error thrown by `@heed/tokenizers`. */
export class TokenizerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * A tokenizer file or configuration object is malformed: a key is missing, has the
 * wrong type, or references something that does not exist (e.g. a merge naming an
 * unknown token). `path` names the offending key, e.g. `model.merges[12]`.
 */
export class TokenizerFormatError extends TokenizerError {
  /** JSON path of the offending key, e.g. `model.vocab` or `merges.txt:3`. */
  readonly path: string;
  constructor(path: string, problem: string) {
    super(`${path}: ${problem}`);
    this.path = path;
  }
}

/** An encode/decode call received an argument it cannot handle (e.g. a non-string text, an unknown id). */
export class TokenizerInputError extends TokenizerError {}

/** A truncation, padding or training option is invalid (e.g. stride ≥ max length). */
export class TokenizerConfigError extends TokenizerError {}
