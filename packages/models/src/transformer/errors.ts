import { ConfigError } from '../errors.js';

/**
 * A sequence is longer than a model's positions (`max_position_embeddings`): the message names the
 * model, the input, its length and the limit. Models with `truncation: true` in their
 * config cut inputs instead of throwing; decoding past the limit always throws.
 */
export class SequenceLengthError extends ConfigError {
  constructor(
    message: string,
    /** The offending length. */
    readonly length: number,
    /** The model's maximum number of positions. */
    readonly maxLength: number,
  ) {
    super(message);
    this.name = 'SequenceLengthError';
  }
}
