import { DTypeError, ShapeError, crossEntropy, mean, reshape, square, sub, type Tensor } from '@heed/core';
import { Dropout, Linear, type ModuleOptions } from '@heed/layers';
import type { ModelOutput } from '../model.js';
import { BertModel, BertPreTrainedModel, type BertBatch } from './bert-model.js';
import { numLabels, type BertConfig } from './config.js';
import { initLinear } from './init.js';

/** A classification batch. */
export interface BertClassificationBatch extends BertBatch {
  /**
   * Sequence classification: int32 [b] class ids (float32 [b] targets when there is one
   * label: regression). Token classification: int32 [b, S], -100 where no label applies.
   */
  readonly labels?: Tensor;
}

function classifierDropout(config: BertConfig): number {
  return config.classifier_dropout ?? config.hidden_dropout_prob;
}

/**
 * HF's `BertForSequenceClassification` (single sentences and pairs): pooler → dropout →
 * `classifier` [num_labels, hidden]. Loss: cross-entropy, or mean squared error when
 * `id2label` has one label (HF's regression).
 */
export class BertForSequenceClassification extends BertPreTrainedModel<BertClassificationBatch> {
  readonly modelType: string = 'BertForSequenceClassification';
  readonly basePrefix = 'bert.' as const;
  readonly bert: BertModel;
  readonly dropout: Dropout;
  readonly classifier: Linear;

  constructor(config: BertConfig, options: ModuleOptions = {}) {
    super(config, options);
    this.bert = this.child('bert', new BertModel(config, this.childOptions));
    this.dropout = this.child('dropout', new Dropout(classifierDropout(config), this.childOptions));
    this.classifier = this.child(
      'classifier',
      initLinear(new Linear(config.hidden_size, numLabels(config), this.childOptions), config.initializer_range, this.rng),
    );
  }

  /** Logits [b, num_labels]; the loss when labels are given. */
  forward(batch: BertClassificationBatch): ModelOutput {
    const { poolerOutput } = this.bert.forward(batch);
    const logits = this.classifier.forward(this.dropout.forward(poolerOutput!));
    const labels = batch.labels;
    if (!labels) return { logits };
    const b = logits.shape[0]!;
    if (labels.rank !== 1 || labels.shape[0] !== b)
      throw new ShapeError(`BertForSequenceClassification: labels must be [${b}], got [${labels.shape.join(',')}]`);
    if (numLabels(this.config) === 1) {
      if (labels.dtype !== 'float32')
        throw new DTypeError(`BertForSequenceClassification: with one label (regression) labels must be float32, got ${labels.dtype}`);
      return { logits, loss: mean(square(sub(reshape(logits, [b]), labels))) };
    }
    if (labels.dtype !== 'int32') throw new DTypeError(`BertForSequenceClassification: labels must be int32 class ids, got ${labels.dtype}`);
    return { logits, loss: crossEntropy(logits, labels) };
  }
}

/**
 * HF's `BertForTokenClassification`: `bert` (no pooler) → dropout → `classifier` on every
 * token. Labels are int32 [b, S] with -100 on positions that carry none (see
 * `alignWordLabels`: the label on each word's first sub-token).
 */
export class BertForTokenClassification extends BertPreTrainedModel<BertClassificationBatch> {
  readonly modelType: string = 'BertForTokenClassification';
  readonly basePrefix = 'bert.' as const;
  readonly bert: BertModel;
  readonly dropout: Dropout;
  readonly classifier: Linear;

  constructor(config: BertConfig, options: ModuleOptions = {}) {
    super(config, options);
    this.bert = this.child('bert', new BertModel(config, { ...this.childOptions, addPoolingLayer: false }));
    this.dropout = this.child('dropout', new Dropout(classifierDropout(config), this.childOptions));
    this.classifier = this.child(
      'classifier',
      initLinear(new Linear(config.hidden_size, numLabels(config), this.childOptions), config.initializer_range, this.rng),
    );
  }

  /** Logits [b, S, num_labels]; the loss (mean over labelled tokens) when labels are given. */
  forward(batch: BertClassificationBatch): ModelOutput {
    const { lastHiddenState } = this.bert.forward(batch);
    const logits = this.classifier.forward(this.dropout.forward(lastHiddenState));
    return batch.labels ? { logits, loss: crossEntropy(logits, batch.labels) } : { logits };
  }
}
