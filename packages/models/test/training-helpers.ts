/** Test helpers for the Trainer: a small token-tagging model (with dropout) and its data. */
import { Rng, crossEntropy, tanh, type Tensor } from '@heed/core';
import { Dropout, Embedding, LayerNorm, Linear, type ModuleOptions } from '@heed/layers';
import { BucketedData, Model, padSequences, paddingMask, type HostBatch, type ModelConfig, type ModelOutput } from '../src/index.js';

/** Config of `Tagger`. */
export interface TaggerConfig extends ModelConfig {
  vocab: number;
  hidden: number;
  dropout: number;
}

/** Tags every token: embedding → LayerNorm → tanh → dropout → linear; cross-entropy over non-ignored labels. */
export class Tagger extends Model<TaggerConfig, { inputIds?: Tensor; labels?: Tensor }> {
  readonly modelType: string = 'Tagger';
  readonly emb: Embedding;
  readonly norm: LayerNorm;
  readonly drop: Dropout;
  readonly out: Linear;
  constructor(config: TaggerConfig, options: ModuleOptions = {}) {
    super(config, options);
    this.emb = this.child('emb', new Embedding(config.vocab, config.hidden, this.childOptions));
    this.norm = this.child('norm', new LayerNorm(config.hidden, this.childOptions));
    this.drop = this.child('drop', new Dropout(config.dropout, this.childOptions));
    this.out = this.child('out', new Linear(config.hidden, config.vocab, this.childOptions));
  }
  forward(batch: { inputIds?: Tensor; labels?: Tensor }): ModelOutput {
    const logits = this.out.forward(this.drop.forward(tanh(this.norm.forward(this.emb.forward(batch.inputIds!)))));
    return batch.labels ? { logits, loss: crossEntropy(logits, batch.labels) } : { logits };
  }
}

/** The tag of token t. */
export const tagOf = (t: number, vocab: number): number => (t * 3 + 1) % vocab;

/** `n` random sequences of 2–12 tokens in [1, vocab). */
export function sequences(n: number, vocab: number, seed: number): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => Array.from({ length: 2 + rng.int(11) }, () => 1 + rng.int(vocab - 1)));
}

/** A host batch of sequences: inputIds padded with 0, attentionMask, labels (the tags, -100 at padding). */
export function tagBatch(seqs: readonly (readonly number[])[], vocab: number): HostBatch {
  return {
    inputIds: padSequences(seqs),
    attentionMask: paddingMask(seqs),
    labels: padSequences(seqs.map((s) => s.map((t) => tagOf(t, vocab))), { padValue: -100 }),
  };
}

/** Tagging data bucketed under a token budget, seeded. */
export function tagData(seqs: readonly number[][], vocab: number, tokenBudget: number, seed: number): BucketedData<number[]> {
  return new BucketedData(seqs, { tokenBudget, seed, length: (s) => s.length, collate: (ss) => tagBatch(ss, vocab) });
}

/** Token accuracy of `model` on `seqs` (eval mode expected). */
export async function tagAccuracy(model: Tagger, seqs: readonly number[][]): Promise<number> {
  const b = tagBatch(seqs, model.config.vocab);
  const logits = model.engine.tidy(() => {
    const ids = model.engine.fromHost(b.inputIds!.data, b.inputIds!.shape, 'int32');
    return model.forward({ inputIds: ids }).logits!;
  });
  const v = await logits.data();
  logits.dispose();
  const V = model.config.vocab;
  let ok = 0;
  let n = 0;
  const labels = b.labels!.data;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] === -100) continue;
    let best = 0;
    for (let c = 1; c < V; c++) if (v[i * V + c]! > v[i * V + best]!) best = c;
    ok += best === labels[i] ? 1 : 0;
    n++;
  }
  return ok / n;
}
