import { ops, randomVariable, zerosVariable, type Rng, type Tensor, type Variable } from '@heed/core';

/**
 * A bag-of-embeddings classifier: the masked mean of the word embeddings of a sentence,
 * a tanh hidden layer, and a linear layer to the class logits.
 */
export class BagOfEmbeddings {
  readonly embedding: Variable;
  readonly w1: Variable;
  readonly b1: Variable;
  readonly w2: Variable;
  readonly b2: Variable;

  constructor(vocabSize: number, dim: number, hidden: number, classes: number, rng: Rng) {
    this.embedding = randomVariable([vocabSize, dim], 'embedding', 0.1, rng);
    this.w1 = randomVariable([dim, hidden], 'w1', Math.sqrt(1 / dim), rng);
    this.b1 = zerosVariable([hidden], 'b1');
    this.w2 = randomVariable([hidden, classes], 'w2', Math.sqrt(1 / hidden), rng);
    this.b2 = zerosVariable([classes], 'b2');
  }

  get parameters(): Variable[] {
    return [this.embedding, this.w1, this.b1, this.w2, this.b2];
  }

  /** ids [batch, time] (0 = padding) → logits [batch, classes]. */
  forward(ids: Tensor): Tensor {
    const mask = ops.cast(ops.notEqual(ids, 0), 'float32'); // [b, t]
    const emb = ops.embedding(this.embedding, ids); // [b, t, d]
    const summed = ops.sum(ops.mul(emb, ops.expandDims(mask, -1)), 1); // [b, d]
    const counts = ops.maximum(ops.sum(mask, 1, { keepDims: true }), 1); // [b, 1]
    const h = ops.tanh(ops.add(ops.matmul(ops.div(summed, counts), this.w1), this.b1));
    return ops.add(ops.matmul(h, this.w2), this.b2);
  }
}
