/**
 * What `Seq2Seq` and `AttentionSeq2Seq` share: the recurrent encoder, the target
 * embedding, the decoder's recurrent stack, the output projection (tied to the target
 * embedding on request), batch checks, teacher forcing from labels, the loss, decoding
 * sessions and attention weights for a decoded sentence. The subclasses define how the
 * decoder reads the encoder (`decode` for a whole target, `sessionStep` for one token).
 */
import { ShapeError, add, logSoftmax, matmul, noGrad, type Tensor, type Variable } from '@heed/core';
import { Dropout, Embedding, Linear, type GRU, type LSTM, type ModuleOptions } from '@heed/layers';
import type { DecodeStartOptions, DecoderSession } from '../generation/session.js';
import { type ModelOutput } from '../model.js';
import { GenerativeModel } from '../generative-model.js';
import { checkIdRange, checkIds, checkMask, sequenceLoss, shiftRight } from './batch.js';
import type { FullSeq2SeqConfig } from './config.js';
import { RecurrentEncoder, type Encoded } from './encoder.js';
import { createRecurrent } from './rnn.js';
import { RecurrentDecoderSession, type StateEntry } from './session.js';

/** A batch for the encoder–decoders (Hugging Face names, camelCase). */
export type Seq2SeqBatch = {
  /** Source ids, int32 [batch, S]. */
  inputIds: Tensor;
  /** Source padding mask, bool [batch, S] (true = real token); default: every token real. */
  attentionMask?: Tensor;
  /** Decoder inputs, int32 [batch, T]; default: the labels shifted right behind BOS. */
  decoderInputIds?: Tensor;
  /** Targets, int32 [batch, T]; -100 marks positions left out of the loss. */
  labels?: Tensor;
};

/** Source inputs of a decoding session. */
export type Seq2SeqSource = Pick<Seq2SeqBatch, 'inputIds' | 'attentionMask'>;

/** Outputs of the encoder–decoders. */
export interface Seq2SeqOutput extends ModelOutput {
  /** [batch, T, tgt_vocab_size]. */
  logits: Tensor;
  /** Attention weights [batch, T, S] (attention models, with `outputAttentions`). */
  attentions?: Tensor;
}

/** Options of `forward`. */
export interface Seq2SeqForwardOptions {
  /** Return the attention weights [batch, T, S] as `attentions` (attention models). */
  outputAttentions?: boolean;
}

/** What a subclass's teacher-forced decoder returns. */
export interface Decoded {
  /** The features fed to the output projection [batch, T, featureSize]. */
  features: Tensor;
  attentions?: Tensor;
}

/** Base of the recurrent encoder–decoders; see the file comment. */
export abstract class RecurrentSeq2SeqBase<C extends FullSeq2SeqConfig> extends GenerativeModel<C, Seq2SeqBatch, Seq2SeqOutput, Seq2SeqSource> {
  readonly encoder: RecurrentEncoder;
  readonly tgtEmbed: Embedding;
  readonly decoder: LSTM | GRU;
  readonly drop: Dropout;
  readonly outProj: Linear | undefined;
  readonly outBias: Variable | undefined;

  /**
   * @param decoderExtraInput size of what is concatenated to the target embedding at each
   *   decoder step (the context vector), 0 for none.
   */
  protected constructor(config: C, decoderExtraInput: number, options: ModuleOptions) {
    super(config, options);
    const c = this.childOptions;
    const { embedding_size: E, hidden_size: H } = config;
    this.encoder = this.child(
      'encoder',
      new RecurrentEncoder(
        {
          vocabSize: config.src_vocab_size,
          embeddingSize: E,
          hiddenSize: H,
          numLayers: config.num_layers,
          cell: config.cell,
          bidirectional: config.bidirectional,
          dropout: config.dropout,
          padTokenId: config.pad_token_id,
        },
        c,
      ),
    );
    this.tgtEmbed = this.child('tgtEmbed', new Embedding(config.tgt_vocab_size, E, { ...c, std: 1 / Math.sqrt(E), paddingIdx: config.pad_token_id }));
    this.decoder = this.child('decoder', createRecurrent(config.cell, E + decoderExtraInput, H, config.num_layers, false, c));
    this.drop = this.child('drop', new Dropout(config.dropout, c));
    if (config.tie_word_embeddings) {
      this.outProj = undefined;
      this.outBias = this.paramZeros('outBias', [config.tgt_vocab_size]);
    } else {
      this.outProj = this.child('outProj', new Linear(H, config.tgt_vocab_size, c));
      this.outBias = undefined;
    }
  }

  /** Dropout between stacked recurrent layers. */
  protected readonly between = (y: Tensor): Tensor => this.drop.forward(y);

  /** Teacher-forced decoding of `tgtIn` [batch, T] given the encoder's result. */
  protected abstract decode(enc: Encoded, tgtIn: Tensor, srcMask: Tensor | undefined, outputAttentions: boolean): Decoded;

  /** The session's state entries besides the decoder state `h`/`c` (batch axis 1); `srcMask` is absent when nothing is padded. */
  protected abstract sessionExtras(enc: Encoded, srcMask: Tensor | undefined): Record<string, StateEntry>;

  /** One session step: embedded token [rows, E] and state → features [rows, H] and the state that changed. */
  protected abstract sessionStep(emb: Tensor, state: Readonly<Record<string, Tensor>>): { features: Tensor; state: Record<string, Tensor> };

  /** Embedded target ids (dropout applied): [..., E]. */
  protected embedTarget(ids: Tensor): Tensor {
    return this.drop.forward(this.tgtEmbed.forward(ids));
  }

  /** Logits [..., tgt_vocab_size] from decoder features [..., H] (dropout first). */
  protected project(features: Tensor): Tensor {
    const x = this.drop.forward(features);
    if (this.outProj) return this.outProj.forward(x);
    return add(matmul(x, this.tgtEmbed.weight, { transB: true }), this.outBias!);
  }

  /** Checks the source ids and mask (absent: every token is real, and nothing is masked). */
  protected source(inputs: Seq2SeqSource): { ids: Tensor; mask: Tensor | undefined } {
    const ids = checkIds(this.modelType, 'inputIds', inputs.inputIds);
    checkIdRange(this.modelType, 'inputIds', ids, this.config.src_vocab_size, 'src_vocab_size');
    return { ids, mask: checkMask(this.modelType, 'attentionMask', inputs.attentionMask, ids) };
  }

  /**
   * Teacher-forced pass: logits [batch, T, V] for the decoder inputs (given, or the labels
   * shifted right behind BOS), the loss when labels are given (mean over labels ≠ -100),
   * and with `outputAttentions` the attention weights [batch, T, S].
   */
  forward(batch: Seq2SeqBatch, options: Seq2SeqForwardOptions = {}): Seq2SeqOutput {
    const { ids, mask } = this.source(batch);
    const rows = ids.shape[0]!;
    const V = this.config.tgt_vocab_size;
    const labels = batch.labels && checkIds(this.modelType, 'labels', batch.labels, rows);
    if (labels) checkIdRange(this.modelType, 'labels', labels, V, 'tgt_vocab_size', true);
    let tgtIn: Tensor;
    if (batch.decoderInputIds) {
      tgtIn = checkIds(this.modelType, 'decoderInputIds', batch.decoderInputIds, rows);
      checkIdRange(this.modelType, 'decoderInputIds', tgtIn, V, 'tgt_vocab_size');
      if (labels && labels.shape[1] !== tgtIn.shape[1]) {
        throw new ShapeError(`${this.modelType}: labels [${labels.shape.join(',')}] and decoderInputIds [${tgtIn.shape.join(',')}] differ in length`);
      }
    } else if (labels) {
      tgtIn = shiftRight(labels, this.bosTokenId, this.padTokenId);
    } else {
      tgtIn = checkIds(this.modelType, 'decoderInputIds or labels', undefined);
    }
    const enc = this.encoder.forward(ids, mask);
    const { features, attentions } = this.decode(enc, tgtIn, mask, options.outputAttentions ?? false);
    const logits = this.project(features);
    const loss = labels && sequenceLoss(logits, labels, this.config.label_smoothing);
    return { logits, ...(loss && { loss }), ...(options.outputAttentions && attentions && { attentions }) };
  }

  /**
   * Attention weights [batch, T, S] for decoded sentences (for plots): runs the
   * teacher-forced pass on `outputIds` [batch, T] (the generated tokens, without BOS), so
   * row t holds the weights the decoder used to produce token t. No gradients are recorded.
   */
  attentionFor(source: Seq2SeqSource, outputIds: Tensor): Tensor | undefined {
    return noGrad(() =>
      this.engine.tidy(() => {
        const decoderInputIds = shiftRight(checkIds(this.modelType, 'outputIds', outputIds), this.bosTokenId, this.padTokenId);
        const out = this.forward({ ...source, decoderInputIds }, { outputAttentions: true });
        return out.attentions;
      }),
    );
  }

  /**
   * Opens a decoding session over source sentences: encodes them once, then each `step`
   * feeds one target token per row (BOS first) and returns log-probs [rows, V]. The
   * session carries the decoder state (and encoder outputs and mask for attention).
   */
  startDecoding(inputs: Seq2SeqSource, _options: DecodeStartOptions = {}): DecoderSession {
    const initial = this.engine.tidy(() =>
      noGrad(() => {
        const { ids, mask } = this.source(inputs);
        const enc = this.encoder.forward(ids, mask);
        const entries: Record<string, StateEntry> = { h: { tensor: enc.state.h, batchAxis: 1 }, ...this.sessionExtras(enc, mask) };
        if (enc.state.c) entries.c = { tensor: enc.state.c, batchAxis: 1 };
        return entries;
      }),
    );
    const rows = inputs.inputIds.shape[0]!;
    return new RecurrentDecoderSession(this.engine, this.config.tgt_vocab_size, this.modelType, initial, rows, (tokens, state) =>
      noGrad(() => {
        const { features, state: next } = this.sessionStep(this.embedTarget(tokens), state);
        return { logProbs: logSoftmax(this.project(features)), state: next };
      }),
    );
  }
}
