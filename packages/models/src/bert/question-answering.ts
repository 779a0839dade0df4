import { DTypeError, ShapeError, add, crossEntropy, full, maximum, minimum, mul, reshape, slice, where, equal, type Tensor } from '@heed/core';
import { Linear, type ModuleOptions } from '@heed/layers';
import type { ModelOutput } from '../model.js';
import { BertModel, BertPreTrainedModel, type BertBatch } from './bert-model.js';
import type { BertConfig } from './config.js';
import { initLinear } from './init.js';

/** A span-QA batch. */
export interface BertQuestionAnsweringBatch extends BertBatch {
  /** int32 [b]: the answer's first token (0 = `[CLS]`: no answer in this window). */
  readonly startPositions?: Tensor;
  /** int32 [b]: the answer's last token (inclusive). */
  readonly endPositions?: Tensor;
}

/** Outputs of `BertForQuestionAnswering`. */
export interface BertQuestionAnsweringOutput extends ModelOutput {
  /** [b, S] start scores. */
  startLogits: Tensor;
  /** [b, S] end scores. */
  endLogits: Tensor;
}

/**
 * HF's `BertForQuestionAnswering`: `bert` (no pooler) → `qa_outputs` [2, hidden] giving
 * start and end logits per token. Loss: the mean of the start and end cross-entropies;
 * as in HF, positions outside [0, S) are clamped to S and ignored.
 */
export class BertForQuestionAnswering extends BertPreTrainedModel<BertQuestionAnsweringBatch, BertQuestionAnsweringOutput> {
  readonly modelType: string = 'BertForQuestionAnswering';
  readonly basePrefix = 'bert.' as const;
  readonly bert: BertModel;
  readonly qa_outputs: Linear;

  constructor(config: BertConfig, options: ModuleOptions = {}) {
    super(config, options);
    this.bert = this.child('bert', new BertModel(config, { ...this.childOptions, addPoolingLayer: false }));
    this.qa_outputs = this.child('qa_outputs', initLinear(new Linear(config.hidden_size, 2, this.childOptions), config.initializer_range, this.rng));
  }

  /** Start and end logits [b, S]; the loss when both position tensors are given. */
  forward(batch: BertQuestionAnsweringBatch): BertQuestionAnsweringOutput {
    const { lastHiddenState } = this.bert.forward(batch);
    const [b, s] = lastHiddenState.shape as [number, number, number];
    const both = this.qa_outputs.forward(lastHiddenState);
    const startLogits = reshape(slice(both, [0, 0, 0], [b, s, 1]), [b, s]);
    const endLogits = reshape(slice(both, [0, 0, 1], [b, s, 1]), [b, s]);
    const out: BertQuestionAnsweringOutput = { startLogits, endLogits };
    const { startPositions: sp, endPositions: ep } = batch;
    if (sp && ep) {
      for (const [t, n] of [
        [sp, 'startPositions'],
        [ep, 'endPositions'],
      ] as const) {
        if (t.dtype !== 'int32') throw new DTypeError(`BertForQuestionAnswering: ${n} must be int32, got ${t.dtype}`);
        if (t.rank !== 1 || t.shape[0] !== b) throw new ShapeError(`BertForQuestionAnswering: ${n} must be [${b}], got [${t.shape.join(',')}]`);
      }
      const ls = mul(add(ceLoss(startLogits, sp, s), ceLoss(endLogits, ep, s)), 0.5);
      out.loss = ls;
    }
    return out;
  }
}

/** Cross-entropy with positions clamped to [0, S] and S ignored (HF's `ignored_index`). */
function ceLoss(logits: Tensor, positions: Tensor, s: number): Tensor {
  const clamped = minimum(maximum(positions, 0), s);
  const ignored = where(equal(clamped, s), full(clamped.shape, -100, 'int32', { engine: clamped.engine }), clamped);
  return crossEntropy(logits, ignored);
}
