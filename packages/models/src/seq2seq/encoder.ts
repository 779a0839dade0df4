/**
 * The recurrent encoder of the seq2seq models: source embedding → (optionally
 * bidirectional) multi-layer GRU/LSTM over the real tokens (padding skipped by mask) →
 * per-token outputs (the attention memory) and the decoder's initial state.
 *
 * Unidirectional: the decoder starts from the encoder's final state, layer by layer (Dive
 * into Deep Learning). Bidirectional: the forward and backward final states of each layer
 * are concatenated and passed through a learned bridge, h₀ = tanh(W_h [h→; h←] + b_h) and,
 * for an LSTM, c₀ = W_c [c→; c←] + b_c (both shared across layers), so the decoder (always
 * unidirectional, same hidden size and depth) gets one [layers, batch, hidden] state.
 */
import { reshape, tanh, transpose, type Tensor } from '@heed/core';
import { Dropout, Embedding, Linear, Module, type GRU, type LSTM, type ModuleOptions } from '@heed/layers';
import { createRecurrent, prepareSteps, runRecurrent, type CellType, type RNNState } from './rnn.js';

/** Sizes of the encoder. */
export interface EncoderSizes {
  vocabSize: number;
  embeddingSize: number;
  hiddenSize: number;
  numLayers: number;
  cell: CellType;
  bidirectional: boolean;
  dropout: number;
  padTokenId: number;
}

/** What the encoder hands the decoder. */
export interface Encoded {
  /** Top-layer outputs [batch, S, directions·hidden], zero at padding. */
  outputs: Tensor;
  /** The decoder's initial state, [layers, batch, hidden] (bridged when bidirectional). */
  state: RNNState;
}

/** Embedding + recurrent stack (+ bridge when bidirectional); see the file comment. */
export class RecurrentEncoder extends Module {
  readonly embed: Embedding;
  readonly rnn: LSTM | GRU;
  readonly bridgeH: Linear | undefined;
  readonly bridgeC: Linear | undefined;
  readonly drop: Dropout;

  constructor(readonly sizes: EncoderSizes, options: ModuleOptions) {
    super(options);
    const c = this.childOptions;
    const { vocabSize, embeddingSize, hiddenSize: H } = sizes;
    const std = 1 / Math.sqrt(embeddingSize);
    this.embed = this.child('embed', new Embedding(vocabSize, embeddingSize, { ...c, std, paddingIdx: sizes.padTokenId }));
    this.rnn = this.child('rnn', createRecurrent(sizes.cell, embeddingSize, H, sizes.numLayers, sizes.bidirectional, c));
    this.bridgeH = sizes.bidirectional ? this.child('bridgeH', new Linear(2 * H, H, c)) : undefined;
    this.bridgeC = sizes.bidirectional && sizes.cell === 'lstm' ? this.child('bridgeC', new Linear(2 * H, H, c)) : undefined;
    this.drop = this.child('drop', new Dropout(sizes.dropout, c));
  }

  /** Size of each output vector (the attention keys). */
  get outputSize(): number {
    return this.rnn.numDirections * this.sizes.hiddenSize;
  }

  /** Encodes `inputIds` [batch, S] (int32, validated by the caller); `mask` bool [batch, S], true = real token. */
  forward(inputIds: Tensor, mask?: Tensor): Encoded {
    const x = this.drop.forward(this.embed.forward(inputIds));
    const between = (y: Tensor): Tensor => this.drop.forward(y);
    const { output, state } = runRecurrent(this.rnn, prepareSteps(this.rnn), x, { ...(mask && { mask }), between });
    if (!this.bridgeH) return { outputs: output, state };
    const h = tanh(this.bridgeH.forward(this.pairDirections(state.h)));
    return { outputs: output, state: { h, ...(state.c && { c: this.bridgeC!.forward(this.pairDirections(state.c)) }) } };
  }

  /** [layers·2, batch, H] → [layers, batch, 2H]: each layer's forward and backward states side by side. */
  private pairDirections(s: Tensor): Tensor {
    const [, b, H] = s.shape as [number, number, number];
    const L = this.sizes.numLayers;
    return reshape(transpose(reshape(s, [L, 2, b, H]), [0, 2, 1, 3]), [L, b, 2 * H]);
  }
}
