import { tensor, type Heed, type Tensor } from '@heed/core';
import type { BertConfigInput } from '../src/index.js';

/** A small BERT config for tests (2 blocks, 64 hidden, 4 heads). */
export function tinyBertConfig(overrides: BertConfigInput = {}): BertConfigInput {
  return {
    vocab_size: 97,
    hidden_size: 64,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    intermediate_size: 128,
    max_position_embeddings: 40,
    type_vocab_size: 2,
    hidden_dropout_prob: 0.1,
    attention_probs_dropout_prob: 0.1,
    ...overrides,
  };
}

/** A padded two-sequence batch with token types: lengths 9 and 6 of S = 9. */
export function tinyBatch(heed: Heed, vocab = 97): { inputIds: Tensor; attentionMask: Tensor; tokenTypeIds: Tensor } {
  const s = 9;
  const lens = [9, 6];
  const ids: number[] = [];
  const mask: boolean[] = [];
  const types: number[] = [];
  lens.forEach((len, r) => {
    for (let i = 0; i < s; i++) {
      ids.push(i < len ? (7 + 13 * i + 5 * r) % vocab : 0);
      mask.push(i < len);
      types.push(i < len && i >= Math.floor(len / 2) ? 1 : 0);
    }
  });
  const e = { engine: heed.engine };
  return {
    inputIds: tensor(ids, [2, s], 'int32', e),
    attentionMask: tensor(mask.map(Number), [2, s], 'bool', e),
    tokenTypeIds: tensor(types, [2, s], 'int32', e),
  };
}

/** Normwise relative error ‖a − b‖ / ‖b‖. */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += b[i]! ** 2;
  }
  return Math.sqrt(num / den);
}
