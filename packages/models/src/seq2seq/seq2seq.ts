/**
 * `Seq2Seq`: the plain recurrent encoder–decoder of Dive into Deep Learning (§10.7). The
 * encoder's final state initialises the decoder, and the context vector (the top layer of
 * that initial state, after the bridge when the encoder is bidirectional) is concatenated
 * to the target embedding at every decoder step. Training is teacher-forced: the decoder
 * reads the gold previous token (the labels shifted right behind BOS).
 */
import { broadcastTo, concat, expandDims, type Tensor } from '@heed/core';
import type { ModuleOptions } from '@heed/layers';
import type { ModelRegistration } from '../registry.js';
import { RecurrentSeq2SeqBase, type Decoded } from './base.js';
import { seq2seqConfig, type FullSeq2SeqConfig, type Seq2SeqConfig } from './config.js';
import type { Encoded } from './encoder.js';
import { prepareSteps, runRecurrent, stepRecurrent, topHidden } from './rnn.js';
import type { StateEntry } from './session.js';

/** The registered type name of `Seq2Seq`. */
export const SEQ2SEQ_TYPE = 'Seq2Seq';

/** GRU/LSTM encoder–decoder with a fixed context vector; see the file comment. */
export class Seq2Seq extends RecurrentSeq2SeqBase<FullSeq2SeqConfig> {
  readonly modelType = SEQ2SEQ_TYPE;

  /** Validates `config` (ConfigError naming the field) and builds a freshly initialised model. */
  constructor(config: Seq2SeqConfig, options: ModuleOptions = {}) {
    const full = seq2seqConfig(SEQ2SEQ_TYPE, config);
    super(full, full.hidden_size, options);
  }

  protected decode(enc: Encoded, tgtIn: Tensor): Decoded {
    const [b, T] = tgtIn.shape as [number, number];
    const context = expandDims(topHidden(enc.state), 1);
    const x = concat([this.embedTarget(tgtIn), broadcastTo(context, [b, T, this.config.hidden_size])], -1);
    const { output } = runRecurrent(this.decoder, prepareSteps(this.decoder), x, { state: enc.state, between: this.between });
    return { features: output };
  }

  protected sessionExtras(enc: Encoded): Record<string, StateEntry> {
    return { context: { tensor: topHidden(enc.state), batchAxis: 0 } };
  }

  protected sessionStep(emb: Tensor, state: Readonly<Record<string, Tensor>>): { features: Tensor; state: Record<string, Tensor> } {
    const x = concat([emb, state.context!], -1);
    const r = stepRecurrent(this.decoder, prepareSteps(this.decoder), x, { h: state.h!, ...(state.c && { c: state.c }) }, this.between);
    return { features: r.output, state: { h: r.state.h, ...(r.state.c && { c: r.state.c }) } };
  }
}

/** Registers `Seq2Seq` by its type name (listed in `modelsModule`). */
export const seq2seqRegistration: ModelRegistration<Seq2SeqConfig> = {
  type: SEQ2SEQ_TYPE,
  create: (_heed, config, options) => new Seq2Seq(config, options),
};
