import type { Tensor } from '@heed/core';
import type { ModuleOptions } from '@heed/layers';
import { Model, type CheckpointReport, type ModelBatch, type ModelOutput } from '../model.js';
import { loadBertCheckpoint } from './checkpoint.js';
import type { BertConfig } from './config.js';
import { BertEmbeddings } from './embeddings.js';
import { BertEncoder, BertPooler } from './encoder.js';

/** A BERT batch (HF's argument names, camelCase). */
export interface BertBatch extends ModelBatch {
  /** int32 [b, S] token ids. */
  readonly inputIds: Tensor;
  /** bool [b, S], true = real token (default: all real). */
  readonly attentionMask?: Tensor;
  /** int32 [b, S] segment ids (default zeros). */
  readonly tokenTypeIds?: Tensor;
  /** int32 [b, S] or [1, S] positions (default 0..S−1). */
  readonly positionIds?: Tensor;
}

/**
 * Base of every BERT model type: loads HF checkpoints (with or without the `bert.`
 * prefix, tied weights absent, other architectures' heads reported; see
 * `loadBertCheckpoint`). `basePrefix` is where the encoder's keys live.
 */
export abstract class BertPreTrainedModel<B extends BertBatch = BertBatch, O extends ModelOutput = ModelOutput> extends Model<BertConfig, B, O> {
  /** `''` for `BertModel`, `'bert.'` for the task models. */
  abstract readonly basePrefix: '' | 'bert.';

  override loadCheckpoint(tensors: Map<string, Tensor>): CheckpointReport {
    return loadBertCheckpoint(this, tensors, this.basePrefix);
  }
}

/** The outputs of `BertModel`. */
export interface BertModelOutput extends ModelOutput {
  /** [b, S, hidden]: the last encoder block's output. */
  lastHiddenState: Tensor;
  /** [b, hidden]: tanh(dense(first token)), when the model has a pooler. */
  poolerOutput?: Tensor;
}

/** Options of `BertModel`. */
export interface BertModelOptions extends ModuleOptions {
  /** Build `pooler.dense` (default true; HF's MLM, token-classification and QA models leave it out). */
  addPoolingLayer?: boolean;
}

/**
 * The bare BERT encoder (HF `BertModel`): `embeddings`, `encoder.layer.N`, `pooler`.
 * Inside a task model it is the `bert` child.
 */
export class BertModel extends BertPreTrainedModel<BertBatch, BertModelOutput> {
  readonly modelType: string = 'BertModel';
  readonly basePrefix = '' as const;
  readonly embeddings: BertEmbeddings;
  readonly encoder: BertEncoder;
  readonly pooler: BertPooler | undefined;

  constructor(config: BertConfig, options: BertModelOptions = {}) {
    super(config, options);
    this.embeddings = this.child('embeddings', new BertEmbeddings(config, this.childOptions));
    this.encoder = this.child('encoder', new BertEncoder(config, this.childOptions));
    this.pooler = options.addPoolingLayer === false ? undefined : this.child('pooler', new BertPooler(config, this.childOptions));
  }

  /** Encodes a batch: last hidden state, and the pooled output when there is a pooler. */
  forward(batch: BertBatch): BertModelOutput {
    const x = this.embeddings.forward(batch.inputIds, batch.tokenTypeIds, batch.positionIds);
    const lastHiddenState = this.encoder.forward(x, batch.attentionMask);
    return this.pooler ? { lastHiddenState, poolerOutput: this.pooler.forward(lastHiddenState) } : { lastHiddenState };
  }
}
