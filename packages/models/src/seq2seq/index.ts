/** The recurrent family: `Seq2Seq`, `AttentionSeq2Seq` (Bahdanau, Luong), `RNNLM`, their configs and decoding session. */
export * from './config.js';
export { RecurrentSeq2SeqBase, type Seq2SeqBatch, type Seq2SeqSource, type Seq2SeqOutput, type Seq2SeqForwardOptions, type Decoded } from './base.js';
export { RecurrentEncoder, type EncoderSizes, type Encoded } from './encoder.js';
export { CELL_TYPES, type CellType, type RNNState } from './rnn.js';
export { RecurrentDecoderSession, type RecurrentStepFn, type StateEntry } from './session.js';
export * from './seq2seq.js';
export * from './attention-seq2seq.js';
export * from '../lm/rnn-lm.js';
