/**
 * Test helpers: a user's tiny models for each task head (an embedding, then a linear map,
 * with a masked mean for sequence classification), registered as model types, and a small
 * WordPiece vocabulary. Their outputs are recomputed on the host in float64 as the reference.
 */
import { cast, div, expandDims, mul, reshape, slice, squeeze, sum, type Tensor } from '@heed/core';
import { Embedding, Linear, type ModuleOptions } from '@heed/layers';
import { Model, modelTypes, type ModelConfig, type ModelOutput } from '@heed/models';
import { Tokenizer } from '@heed/tokenizers';

/** The vocabulary of the tests' texts. */
export const VOCAB = [
  '[PAD]',
  '[UNK]',
  '[CLS]',
  '[SEP]',
  '[MASK]',
  'anna',
  'lives',
  'in',
  'paris',
  'the',
  'cat',
  'sat',
  'on',
  'mat',
  'where',
  'does',
  '?',
  '.',
  'smith',
  '##son',
  'good',
  'bad',
  'film',
  ',',
];

/** A BERT-style WordPiece tokenizer over {@link VOCAB}. */
export function tinyTokenizer(): Tokenizer {
  return Tokenizer.fromVocab(VOCAB);
}

interface TinyConfig extends ModelConfig {
  vocab_size: number;
  hidden: number;
  num_labels: number;
}
type Batch = { inputIds: Tensor; attentionMask: Tensor };

abstract class Tiny extends Model<TinyConfig, Batch> {
  readonly emb: Embedding;
  readonly head: Linear;
  constructor(config: TinyConfig, options: ModuleOptions, outputs: number) {
    super(config, options);
    this.emb = this.child('emb', new Embedding(config.vocab_size, config.hidden, this.childOptions));
    this.head = this.child('head', new Linear(config.hidden, outputs, this.childOptions));
  }
  protected perToken(batch: Batch): Tensor {
    return this.head.forward(this.emb.forward(batch.inputIds));
  }
}

/** Masked mean of token embeddings → linear: `logits` [b, numLabels]. */
export class TinyForSequenceClassification extends Tiny {
  readonly modelType = 'TinyForSequenceClassification';
  constructor(c: TinyConfig, o: ModuleOptions) {
    super(c, o, c.num_labels);
  }
  forward(batch: Batch): ModelOutput {
    const m = expandDims(cast(batch.attentionMask, 'float32'), 2);
    const mean = div(sum(mul(this.emb.forward(batch.inputIds), m), [1]), sum(m, [1]));
    return { logits: this.head.forward(mean) };
  }
}

/** Per-token linear: `logits` [b, S, numLabels]. */
export class TinyForTokenClassification extends Tiny {
  readonly modelType = 'TinyForTokenClassification';
  constructor(c: TinyConfig, o: ModuleOptions) {
    super(c, o, c.num_labels);
  }
  forward(batch: Batch): ModelOutput {
    return { logits: this.perToken(batch) };
  }
}

/** Per-token linear to 2: `startLogits`, `endLogits` [b, S]. */
export class TinyForQuestionAnswering extends Tiny {
  readonly modelType = 'TinyForQuestionAnswering';
  constructor(c: TinyConfig, o: ModuleOptions) {
    super(c, o, 2);
  }
  forward(batch: Batch): ModelOutput & { startLogits: Tensor; endLogits: Tensor } {
    const x = this.perToken(batch);
    const [b, s] = x.shape as [number, number, number];
    return { startLogits: squeeze(slice(x, [0, 0, 0], [b, s, 1]), [2]), endLogits: reshape(slice(x, [0, 0, 1], [b, s, 1]), [b, s]) };
  }
}

/** Per-token linear to the vocabulary: `logits` [b, S, vocab]. */
export class TinyForMaskedLM extends Tiny {
  readonly modelType = 'TinyForMaskedLM';
  constructor(c: TinyConfig, o: ModuleOptions) {
    super(c, o, c.vocab_size);
  }
  forward(batch: Batch): ModelOutput {
    return { logits: this.perToken(batch) };
  }
}

/** The user's ContainerModule registering the four tiny model types. */
export const tinyModels = modelTypes(
  { type: 'TinyForSequenceClassification', create: (_h, c: TinyConfig, o) => new TinyForSequenceClassification(c, o) },
  { type: 'TinyForTokenClassification', create: (_h, c: TinyConfig, o) => new TinyForTokenClassification(c, o) },
  { type: 'TinyForQuestionAnswering', create: (_h, c: TinyConfig, o) => new TinyForQuestionAnswering(c, o) },
  { type: 'TinyForMaskedLM', create: (_h, c: TinyConfig, o) => new TinyForMaskedLM(c, o) },
);

/** Host copies of a tiny model's weights, for float64 reference computations. */
export interface HostWeights {
  emb: Float32Array;
  w: Float32Array;
  b: Float32Array;
  hidden: number;
  outputs: number;
}

/** Reads a tiny model's weights to the host. */
export async function hostWeights(m: Tiny): Promise<HostWeights> {
  return {
    emb: (await m.emb.weight.data()) as Float32Array,
    w: (await m.head.weight.data()) as Float32Array,
    b: (await m.head.bias!.data()) as Float32Array,
    hidden: m.config.hidden,
    outputs: m.head.outFeatures,
  };
}

/** The head applied to a hidden vector, in float64. */
export function headOf(h: HostWeights, x: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let o = 0; o < h.outputs; o++) {
    let s = h.b[o]!;
    for (let k = 0; k < h.hidden; k++) s += h.w[o * h.hidden + k]! * x[k]!;
    out.push(s);
  }
  return out;
}

/** The per-token head output of token `id`, in float64. */
export function tokenLogits(h: HostWeights, id: number): number[] {
  return headOf(h, h.emb.subarray(id * h.hidden, (id + 1) * h.hidden));
}

/** The masked-mean classifier's logits for token ids, in float64. */
export function meanLogits(h: HostWeights, ids: readonly number[]): number[] {
  const mean = new Float64Array(h.hidden);
  for (const id of ids) for (let k = 0; k < h.hidden; k++) mean[k]! += h.emb[id * h.hidden + k]! / ids.length;
  return headOf(h, mean);
}
