/**
 * `AttentionSeq2Seq`: the recurrent encoder–decoder with attention over the encoder
 * outputs (source padding masked through `keyMask`), in two variants:
 *
 * - `bahdanau` (Bahdanau et al. 2015; Dive into Deep Learning §11.4): at step t the
 *   previous decoder state (top layer) is the query, and the context is concatenated with
 *   the target embedding as the input of the decoder's first layer; logits = W h_t.
 * - `luong` (Luong et al. 2015, global attention without input feeding): the decoder runs
 *   on the embeddings, then its output h_t queries the encoder outputs, and
 *   h̃_t = tanh(W_c [c_t; h_t]) feeds the output projection.
 *
 * The scorer is any attention scorer registered by name under `TOKENS.AttentionScore`
 * (default `additive`), a user's own included: it is resolved from `heed` once, when the
 * model is built. `forward(batch, { outputAttentions: true })` returns the weights
 * [batch, T, S]; `attentionFor(source, outputIds)` gives them for a decoded sentence.
 */
import { concat, reshape, stack, tanh, unstack, type Heed, type Tensor } from '@heed/core';
import { Attention, Linear, type ModuleOptions, type StepFn } from '@heed/layers';
import type { ModelRegistration } from '../registry.js';
import { RecurrentSeq2SeqBase, type Decoded } from './base.js';
import { attentionSeq2SeqConfig, type AttentionSeq2SeqConfig, type FullAttentionSeq2SeqConfig } from './config.js';
import type { Encoded } from './encoder.js';
import { prepareSteps, runRecurrent, stepRecurrent, topHidden, type RNNState } from './rnn.js';
import type { StateEntry } from './session.js';

/** The registered type name of `AttentionSeq2Seq`. */
export const ATTENTION_SEQ2SEQ_TYPE = 'AttentionSeq2Seq';

/** Recurrent encoder–decoder with Bahdanau or Luong attention; see the file comment. */
export class AttentionSeq2Seq extends RecurrentSeq2SeqBase<FullAttentionSeq2SeqConfig> {
  readonly modelType = ATTENTION_SEQ2SEQ_TYPE;
  /** The attention layer (parameters `attn.score.*`). */
  readonly attn: Attention;
  /** Luong's W_c [hidden, keys + hidden] (absent for Bahdanau). */
  readonly combine: Linear | undefined;

  /**
   * Validates `config` (ConfigError naming the field) and builds a freshly initialised
   * model; `heed` resolves the scorer (PluginNotFoundError lists the registered ones).
   */
  constructor(heed: Heed, config: AttentionSeq2SeqConfig, options: ModuleOptions = {}) {
    const full = attentionSeq2SeqConfig(ATTENTION_SEQ2SEQ_TYPE, config);
    const keys = (full.bidirectional ? 2 : 1) * full.hidden_size;
    super(full, full.attention === 'bahdanau' ? keys : 0, { engine: heed.engine, ...options });
    const c = this.childOptions;
    const H = full.hidden_size;
    this.attn = this.child(
      'attn',
      new Attention(heed, {
        ...c,
        score: full.score,
        queryDim: H,
        keyDim: keys,
        attentionDim: full.attention_size,
        ...(full.max_source_length !== undefined && { maxKeys: full.max_source_length }),
      }),
    );
    this.combine = full.attention === 'luong' ? this.child('combine', new Linear(keys + H, H, c)) : undefined;
  }

  /** One Bahdanau step: attend with the previous top state, then step the decoder on [emb; context]. */
  private bahdanauStep(
    steps: StepFn[],
    emb: Tensor,
    state: RNNState,
    memory: Tensor,
    mask: Tensor | undefined,
  ): { output: Tensor; state: RNNState; weights: Tensor } {
    const { context, weights } = this.attn.forward(topHidden(state), memory, memory, mask && { keyMask: mask });
    const r = stepRecurrent(this.decoder, steps, concat([emb, context], -1), state, this.between);
    return { ...r, weights };
  }

  /** Luong's attentional hidden state tanh(W_c [c; h]) for decoder outputs h [..., H]. */
  private luongHead(h: Tensor, memory: Tensor, mask: Tensor | undefined): { features: Tensor; weights: Tensor } {
    const { context, weights } = this.attn.forward(h, memory, memory, mask && { keyMask: mask });
    return { features: tanh(this.combine!.forward(concat([context, h], -1))), weights };
  }

  protected decode(enc: Encoded, tgtIn: Tensor, mask: Tensor | undefined, outputAttentions: boolean): Decoded {
    const steps = prepareSteps(this.decoder);
    const emb = this.embedTarget(tgtIn);
    if (this.config.attention === 'luong') {
      const { output } = runRecurrent(this.decoder, steps, emb, { state: enc.state, between: this.between });
      const { features, weights } = this.luongHead(output, enc.outputs, mask);
      return { features, ...(outputAttentions && { attentions: weights }) };
    }
    let state = enc.state;
    const outs: Tensor[] = [];
    const ws: Tensor[] = [];
    for (const e of unstack(emb, 1)) {
      const r = this.bahdanauStep(steps, e, state, enc.outputs, mask);
      outs.push(r.output);
      ws.push(r.weights);
      state = r.state;
    }
    return { features: stack(outs, 1), ...(outputAttentions && { attentions: stack(ws, 1) }) };
  }

  protected sessionExtras(enc: Encoded, mask: Tensor | undefined): Record<string, StateEntry> {
    const memory = { memory: { tensor: enc.outputs, batchAxis: 0 } };
    // A view of the mask: the session owns it, the caller may dispose theirs.
    return mask ? { ...memory, mask: { tensor: reshape(mask, mask.shape), batchAxis: 0 } } : memory;
  }

  protected sessionStep(emb: Tensor, state: Readonly<Record<string, Tensor>>): { features: Tensor; state: Record<string, Tensor> } {
    const steps = prepareSteps(this.decoder);
    const rnn: RNNState = { h: state.h!, ...(state.c && { c: state.c }) };
    const memory = state.memory!;
    const mask = state.mask;
    if (this.config.attention === 'luong') {
      const r = stepRecurrent(this.decoder, steps, emb, rnn, this.between);
      return { features: this.luongHead(r.output, memory, mask).features, state: { h: r.state.h, ...(r.state.c && { c: r.state.c }) } };
    }
    const r = this.bahdanauStep(steps, emb, rnn, memory, mask);
    return { features: r.output, state: { h: r.state.h, ...(r.state.c && { c: r.state.c }) } };
  }
}

/** Registers `AttentionSeq2Seq` by its type name (listed in `modelsModule`). */
export const attentionSeq2SeqRegistration: ModelRegistration<AttentionSeq2SeqConfig> = {
  type: ATTENTION_SEQ2SEQ_TYPE,
  create: (heed, config, options) => new AttentionSeq2Seq(heed, config, options),
};
