import { DTypeError, ShapeError, add, reshape, slice, zerosLike, type Tensor } from '@heed/core';
import { Dropout, Embedding, LayerNorm, Module, type ModuleOptions } from '@heed/layers';
import { ConfigError } from '../errors.js';
import type { BertConfig } from './config.js';

/**
 * BERT's input embeddings (HF `BertEmbeddings`): word + absolute position + token type,
 * then LayerNorm and dropout. Parameters: `word_embeddings.weight`,
 * `position_embeddings.weight`, `token_type_embeddings.weight`, `LayerNorm.{weight,bias}`.
 */
export class BertEmbeddings extends Module {
  readonly word_embeddings: Embedding;
  readonly position_embeddings: Embedding;
  readonly token_type_embeddings: Embedding;
  readonly LayerNorm: LayerNorm;
  readonly dropout: Dropout;

  constructor(
    readonly config: BertConfig,
    options: ModuleOptions = {},
  ) {
    super(options);
    const c = config;
    const std = c.initializer_range;
    this.word_embeddings = this.child(
      'word_embeddings',
      new Embedding(c.vocab_size, c.hidden_size, { ...this.childOptions, std, paddingIdx: c.pad_token_id }),
    );
    this.position_embeddings = this.child(
      'position_embeddings',
      new Embedding(c.max_position_embeddings, c.hidden_size, { ...this.childOptions, std }),
    );
    this.token_type_embeddings = this.child('token_type_embeddings', new Embedding(c.type_vocab_size, c.hidden_size, { ...this.childOptions, std }));
    this.LayerNorm = this.child('LayerNorm', new LayerNorm(c.hidden_size, { ...this.childOptions, eps: c.layer_norm_eps }));
    this.dropout = this.child('dropout', new Dropout(c.hidden_dropout_prob, this.childOptions));
  }

  /**
   * Embeds `inputIds` int32 [b, S]; `tokenTypeIds` defaults to zeros and `positionIds`
   * to 0..S−1. A sequence longer than `max_position_embeddings` throws a ConfigError.
   */
  forward(inputIds: Tensor, tokenTypeIds?: Tensor, positionIds?: Tensor): Tensor {
    if (inputIds.dtype !== 'int32') throw new DTypeError(`BertEmbeddings: inputIds must be int32, got ${inputIds.dtype}`);
    if (inputIds.rank !== 2) throw new ShapeError(`BertEmbeddings: inputIds must be [batch, seq], got [${inputIds.shape.join(',')}]`);
    const [b, s] = inputIds.shape as [number, number];
    const maxPos = this.config.max_position_embeddings;
    if (s > maxPos && !positionIds) {
      throw new ConfigError(`BERT: inputIds has ${s} tokens per sequence, more than "max_position_embeddings" = ${maxPos}`);
    }
    for (const [t, name] of [
      [tokenTypeIds, 'tokenTypeIds'],
      [positionIds, 'positionIds'],
    ] as const) {
      if (!t) continue;
      if (t.dtype !== 'int32') throw new DTypeError(`BertEmbeddings: ${name} must be int32, got ${t.dtype}`);
      if (t.rank !== 2 || t.shape[1] !== s || (t.shape[0] !== b && t.shape[0] !== 1)) {
        throw new ShapeError(`BertEmbeddings: ${name} must be [${b}, ${s}] like inputIds, got [${t.shape.join(',')}]`);
      }
    }
    const words = this.word_embeddings.forward(inputIds);
    const types = tokenTypeIds ?? zerosLike(inputIds);
    let x = add(words, this.token_type_embeddings.forward(types));
    if (positionIds) {
      x = add(x, this.position_embeddings.forward(positionIds));
    } else {
      x = add(x, reshape(slice(this.position_embeddings.weight, [0, 0], [s, this.config.hidden_size]), [1, s, this.config.hidden_size]));
    }
    return this.dropout.forward(this.LayerNorm.forward(x));
  }
}
