import type { ModelBatch, ModelConfig, ModelOutput } from './model.js';
import { Model } from './model.js';
import type { DecodeStartOptions, DecoderSession, Generative } from './generation/session.js';

/** The special-token fields of a generating model's config (Hugging Face's names). */
export interface SpecialTokensConfig extends ModelConfig {
  /** Token fed at the first decoding step. */
  bos_token_id: number;
  /** Token that ends a hypothesis. */
  eos_token_id: number;
  /** Padding token. */
  pad_token_id: number;
}

/**
 * Base of the models that generate (encoder–decoders and language models): a `Model` whose
 * special tokens come from its config, and which opens `DecoderSession`s for the shared
 * greedy, beam and sampling code.
 */
export abstract class GenerativeModel<C extends SpecialTokensConfig, B extends ModelBatch, O extends ModelOutput, I>
  extends Model<C, B, O>
  implements Generative<I>
{
  /** Token fed at the first decoding step (`bos_token_id`). */
  get bosTokenId(): number {
    return this.config.bos_token_id;
  }

  /** Token that ends a hypothesis (`eos_token_id`). */
  get eosTokenId(): number {
    return this.config.eos_token_id;
  }

  /** Padding token (`pad_token_id`). */
  get padTokenId(): number {
    return this.config.pad_token_id;
  }

  /** Opens a decoding session over a batch of inputs (see `Generative.startDecoding`). */
  abstract startDecoding(inputs: I, options?: DecodeStartOptions): DecoderSession;
}
