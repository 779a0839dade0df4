import { DTypeError, ShapeError, add, crossEntropy, gather, matmul, reshape, type Tensor, type Variable } from '@heed/core';
import { LayerNorm, Linear, Module, type ModuleOptions } from '@heed/layers';
import type { ModelOutput } from '../model.js';
import { BertModel, BertPreTrainedModel, type BertBatch } from './bert-model.js';
import type { BertConfig } from './config.js';
import { activation, initLinear } from './init.js';

/** HF's `BertPredictionHeadTransform`: dense → hidden_act → LayerNorm. */
export class BertPredictionHeadTransform extends Module {
  readonly dense: Linear;
  readonly LayerNorm: LayerNorm;

  constructor(
    readonly config: BertConfig,
    options: ModuleOptions = {},
  ) {
    super(options);
    const h = config.hidden_size;
    this.dense = this.child('dense', initLinear(new Linear(h, h, this.childOptions), config.initializer_range, this.rng));
    this.LayerNorm = this.child('LayerNorm', new LayerNorm(h, { ...this.childOptions, eps: config.layer_norm_eps }));
  }

  /** LayerNorm(act(dense(x))). */
  forward(x: Tensor): Tensor {
    return this.LayerNorm.forward(activation(this.config, this.dense.forward(x)));
  }
}

/**
 * HF's `BertLMPredictionHead`: `transform`, then the decoder tied to the word embeddings
 * (no parameter of its own, so HF's tied `decoder.weight` / `decoder.bias` keys are not in
 * the state dict, as in HF's safetensors files) plus the vocabulary `bias`.
 */
export class BertLMPredictionHead extends Module {
  readonly transform: BertPredictionHeadTransform;
  readonly bias: Variable;

  constructor(
    config: BertConfig,
    /** The word embedding matrix [vocab, hidden] the decoder is tied to. */
    readonly decoderWeight: Variable,
    options: ModuleOptions = {},
  ) {
    super(options);
    this.transform = this.child('transform', new BertPredictionHeadTransform(config, this.childOptions));
    this.bias = this.paramZeros('bias', [config.vocab_size]);
  }

  /** hidden [..., H] → vocabulary logits [..., vocab]. */
  forward(hidden: Tensor): Tensor {
    const h = this.transform.forward(hidden);
    const flat = reshape(h, [-1, h.shape.at(-1)!]);
    const logits = add(matmul(flat, this.decoderWeight, { transB: true }), this.bias);
    return reshape(logits, [...h.shape.slice(0, -1), this.decoderWeight.shape[0]!]);
  }
}

/** HF's `BertOnlyMLMHead` (`cls.predictions`). */
export class BertOnlyMLMHead extends Module {
  readonly predictions: BertLMPredictionHead;

  constructor(config: BertConfig, decoderWeight: Variable, options: ModuleOptions = {}) {
    super(options);
    this.predictions = this.child('predictions', new BertLMPredictionHead(config, decoderWeight, this.childOptions));
  }
}

/** HF's `BertPreTrainingHeads` (`cls.predictions` and `cls.seq_relationship`). */
export class BertPreTrainingHeads extends BertOnlyMLMHead {
  readonly seq_relationship: Linear;

  constructor(config: BertConfig, decoderWeight: Variable, options: ModuleOptions = {}) {
    super(config, decoderWeight, options);
    this.seq_relationship = this.child(
      'seq_relationship',
      initLinear(new Linear(config.hidden_size, 2, this.childOptions), config.initializer_range, this.rng),
    );
  }
}

/** A masked-LM batch. */
export interface BertMaskedLMBatch extends BertBatch {
  /** int32 [b, S]: the original token at masked positions, -100 elsewhere. */
  readonly labels?: Tensor;
  /**
   * int32 [n]: flat positions (row · S + column) to predict. When given, logits are computed
   * only there ([n, vocab]) and the loss uses the labels at those positions: the
   * pre-training speed-up of Google's original code (`masked_lm_positions`).
   */
  readonly maskedPositions?: Tensor;
}

/** A pre-training batch: masked LM plus next-sentence labels. */
export interface BertPreTrainingBatch extends BertMaskedLMBatch {
  /** int32 [b]: 0 = B follows A (IsNext), 1 = B is random. */
  readonly nextSentenceLabel?: Tensor;
}

/** Outputs of `BertForPreTraining`. */
export interface BertPreTrainingOutput extends ModelOutput {
  /** MLM logits [b, S, vocab] (or [n, vocab] with `maskedPositions`); also `logits`. */
  predictionLogits: Tensor;
  /** NSP logits [b, 2]. */
  seqRelationshipLogits: Tensor;
  /** The masked-LM loss, when labels are given. */
  mlmLoss?: Tensor;
  /** The next-sentence loss, when `nextSentenceLabel` is given. */
  nspLoss?: Tensor;
}

function mlmLogits(bert: BertModel, head: BertLMPredictionHead, hidden: Tensor, batch: BertMaskedLMBatch): { logits: Tensor; loss?: Tensor } {
  const [b, s, h] = hidden.shape as [number, number, number];
  const pos = batch.maskedPositions;
  let states = hidden;
  let labels = batch.labels;
  if (labels && (labels.dtype !== 'int32' || labels.rank !== 2 || labels.shape[0] !== b || labels.shape[1] !== s)) {
    throw new ShapeError(
      `${bert.config.architectures?.[0] ?? 'BERT'}: labels must be int32 [${b}, ${s}] like inputIds, got ${labels.dtype} [${labels.shape.join(',')}]`,
    );
  }
  if (pos) {
    if (pos.dtype !== 'int32' || pos.rank !== 1)
      throw new DTypeError(`BERT: maskedPositions must be int32 [n] (flat row·S + column), got ${pos.dtype} [${pos.shape.join(',')}]`);
    states = gather(reshape(hidden, [b * s, h]), pos, 0);
    if (labels) labels = gather(reshape(labels, [b * s]), pos, 0);
  }
  const logits = head.forward(states);
  return labels ? { logits, loss: crossEntropy(logits, labels) } : { logits };
}

/** HF's `BertForPreTraining`: `bert` (with pooler) and `cls` (MLM + NSP heads). Loss = MLM + NSP. */
export class BertForPreTraining extends BertPreTrainedModel<BertPreTrainingBatch, BertPreTrainingOutput> {
  readonly modelType: string = 'BertForPreTraining';
  readonly basePrefix = 'bert.' as const;
  readonly bert: BertModel;
  readonly cls: BertPreTrainingHeads;

  constructor(config: BertConfig, options: ModuleOptions = {}) {
    super(config, options);
    this.bert = this.child('bert', new BertModel(config, this.childOptions));
    this.cls = this.child('cls', new BertPreTrainingHeads(config, this.bert.embeddings.word_embeddings.weight, this.childOptions));
  }

  /** MLM and NSP logits; losses for the labels the batch carries, their sum as `loss`. */
  forward(batch: BertPreTrainingBatch): BertPreTrainingOutput {
    const { lastHiddenState, poolerOutput } = this.bert.forward(batch);
    const mlm = mlmLogits(this.bert, this.cls.predictions, lastHiddenState, batch);
    const seqRelationshipLogits = this.cls.seq_relationship.forward(poolerOutput!);
    const nsp = batch.nextSentenceLabel;
    const nspLoss = nsp ? crossEntropy(seqRelationshipLogits, nsp) : undefined;
    const out: BertPreTrainingOutput = { predictionLogits: mlm.logits, logits: mlm.logits, seqRelationshipLogits };
    if (mlm.loss) out.mlmLoss = mlm.loss;
    if (nspLoss) out.nspLoss = nspLoss;
    const loss = mlm.loss && nspLoss ? add(mlm.loss, nspLoss) : (mlm.loss ?? nspLoss);
    if (loss) out.loss = loss;
    return out;
  }
}

/** HF's `BertForMaskedLM`: `bert` (no pooler) and `cls.predictions`. */
export class BertForMaskedLM extends BertPreTrainedModel<BertMaskedLMBatch> {
  readonly modelType: string = 'BertForMaskedLM';
  readonly basePrefix = 'bert.' as const;
  readonly bert: BertModel;
  readonly cls: BertOnlyMLMHead;

  constructor(config: BertConfig, options: ModuleOptions = {}) {
    super(config, options);
    this.bert = this.child('bert', new BertModel(config, { ...this.childOptions, addPoolingLayer: false }));
    this.cls = this.child('cls', new BertOnlyMLMHead(config, this.bert.embeddings.word_embeddings.weight, this.childOptions));
  }

  /** Vocabulary logits [b, S, vocab] (or [n, vocab] at `maskedPositions`); MLM loss with labels. */
  forward(batch: BertMaskedLMBatch): ModelOutput {
    const { lastHiddenState } = this.bert.forward(batch);
    return mlmLogits(this.bert, this.cls.predictions, lastHiddenState, batch);
  }
}
