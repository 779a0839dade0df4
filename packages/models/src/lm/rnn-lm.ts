/**
 * `RNNLM`: a character- or word-level recurrent language model (embedding → multi-layer
 * GRU/LSTM → output projection, optionally tied to the embedding). With labels, the loss
 * follows Hugging Face's causal-LM convention: pass the input ids as labels and the model
 * shifts them (position t predicts label t+1); labels of -100, and positions whose
 * `attentionMask` is false, are left out of the mean.
 */
import { ArgumentError, ShapeError, add, logSoftmax, matmul, noGrad, slice, tensor, where, type Heed, type Tensor, type Variable } from '@heed/core';
import { Dropout, Embedding, Linear, type GRU, type LSTM, type ModuleOptions } from '@heed/layers';
import type { DecodeStartOptions, DecoderSession } from '../generation/session.js';
import { ConfigError } from '../errors.js';
import { type ModelConfig, type ModelOutput } from '../model.js';
import { GenerativeModel } from '../generative-model.js';
import type { ModelRegistration } from '../registry.js';
import { IGNORE_INDEX, checkIdRange, checkIds, checkMask, sequenceLoss } from '../seq2seq/batch.js';
import { boolField, intField, rateField, stringField, tokenField } from '../seq2seq/config-fields.js';
import { CELL_TYPES, createRecurrent, prepareSteps, runRecurrent, stepRecurrent, zeroState, type CellType } from '../seq2seq/rnn.js';
import { RecurrentDecoderSession, type StateEntry } from '../seq2seq/session.js';

/** The registered type name of `RNNLM`. */
export const RNNLM_TYPE = 'RNNLM';

/** Every field of an `RNNLM` config; see `RNNLMConfig` for defaults. */
export interface RNNLMSettings {
  /** Vocabulary size (characters or words, with the special tokens). */
  vocab_size: number;
  /** Embedding size (default 64). */
  embedding_size: number;
  /** Hidden size (default 128). */
  hidden_size: number;
  /** Stacked layers (default 1). */
  num_layers: number;
  /** "lstm" (default) or "gru". */
  cell: CellType;
  /** Dropout on embeddings, between layers and before the projection (default 0). */
  dropout: number;
  /** Output projection shares the embedding matrix (needs embedding_size = hidden_size; default false). */
  tie_word_embeddings: boolean;
  /** Label smoothing ε of the training loss, in [0, 1) (default 0). */
  label_smoothing: number;
  /** Padding id (default 0). */
  pad_token_id: number;
  /** Start-of-text id, fed first when generating without a prompt (default 1). */
  bos_token_id: number;
  /** End-of-text id (default 2). */
  eos_token_id: number;
}

/** Config of `RNNLM`: `vocab_size` is required, every other field has a default. */
export type RNNLMConfig = ModelConfig & Pick<RNNLMSettings, 'vocab_size'> & Partial<RNNLMSettings>;

/** A validated `RNNLMConfig` with every default filled in. */
export type FullRNNLMConfig = ModelConfig & RNNLMSettings;

/** Validates an `RNNLMConfig` (ConfigError naming the field) and fills in its defaults. */
export function rnnLMConfig(config: ModelConfig): FullRNNLMConfig {
  const t = RNNLM_TYPE;
  const vocab = intField(t, config, 'vocab_size');
  const full: FullRNNLMConfig = {
    model_type: typeof config.model_type === 'string' ? config.model_type : 'rnn-lm',
    vocab_size: vocab,
    embedding_size: intField(t, config, 'embedding_size', 64),
    hidden_size: intField(t, config, 'hidden_size', 128),
    num_layers: intField(t, config, 'num_layers', 1),
    cell: stringField(t, config, 'cell', 'lstm', CELL_TYPES),
    dropout: rateField(t, config, 'dropout', 0),
    tie_word_embeddings: boolField(t, config, 'tie_word_embeddings', false),
    label_smoothing: rateField(t, config, 'label_smoothing', 0),
    pad_token_id: tokenField(t, config, 'pad_token_id', 0, vocab, 'vocab_size'),
    bos_token_id: tokenField(t, config, 'bos_token_id', 1, vocab, 'vocab_size'),
    eos_token_id: tokenField(t, config, 'eos_token_id', 2, vocab, 'vocab_size'),
  };
  if (full.tie_word_embeddings && full.embedding_size !== full.hidden_size) {
    throw new ConfigError(
      `${t}: "tie_word_embeddings" needs "embedding_size" = "hidden_size", got ${full.embedding_size} and ${full.hidden_size}`,
    );
  }
  return full;
}

/** A batch for `RNNLM`. */
export type RNNLMBatch = {
  /** Token ids, int32 [batch, T]. */
  inputIds: Tensor;
  /** bool [batch, T], true = real token (padding is skipped by the RNN and left out of the loss). */
  attentionMask?: Tensor;
  /** int32 [batch, T], usually the input ids; shifted inside (position t predicts label t+1); -100 is ignored. */
  labels?: Tensor;
};

/** Outputs of `RNNLM`. */
export interface RNNLMOutput extends ModelOutput {
  /** Next-token scores [batch, T, vocab_size] (position t scores token t+1). */
  logits: Tensor;
}

/**
 * Prompt of a decoding session: host id lists (`prompts`, any lengths), an id tensor
 * [rows, P] (left-padded when a mask is given), or just a row count (start from BOS).
 */
export type RNNLMPrompt = { prompts: readonly (readonly number[])[] } | { inputIds: Tensor; attentionMask?: Tensor } | { rows: number };

/** Recurrent language model; see the file comment. */
export class RNNLM extends GenerativeModel<FullRNNLMConfig, RNNLMBatch, RNNLMOutput, RNNLMPrompt> {
  readonly modelType = RNNLM_TYPE;
  readonly embed: Embedding;
  readonly rnn: LSTM | GRU;
  readonly drop: Dropout;
  readonly outProj: Linear | undefined;
  readonly outBias: Variable | undefined;
  private readonly between = (y: Tensor): Tensor => this.drop.forward(y);

  /** Validates `config` and builds a freshly initialised model. */
  constructor(config: RNNLMConfig, options: ModuleOptions = {}) {
    const full = rnnLMConfig(config);
    super(full, options);
    const c = this.childOptions;
    const { vocab_size: V, embedding_size: E, hidden_size: H } = full;
    this.embed = this.child('embed', new Embedding(V, E, { ...c, std: 1 / Math.sqrt(E), paddingIdx: full.pad_token_id }));
    this.rnn = this.child('rnn', createRecurrent(full.cell, E, H, full.num_layers, false, c));
    this.drop = this.child('drop', new Dropout(full.dropout, c));
    this.outProj = full.tie_word_embeddings ? undefined : this.child('outProj', new Linear(H, V, c));
    this.outBias = full.tie_word_embeddings ? this.paramZeros('outBias', [V]) : undefined;
  }

  private project(h: Tensor): Tensor {
    const x = this.drop.forward(h);
    return this.outProj ? this.outProj.forward(x) : add(matmul(x, this.embed.weight, { transB: true }), this.outBias!);
  }

  private checked(name: string, ids: Tensor, rows?: number): Tensor {
    checkIds(this.modelType, name, ids, rows);
    checkIdRange(this.modelType, name, ids, this.config.vocab_size, 'vocab_size', name === 'labels');
    return ids;
  }

  /** Host prompts → left-padded ids and mask, each row's last token; checks lengths and ids. */
  private hostPrompts(prompts: readonly (readonly number[])[]): {
    rows: number;
    width: number;
    ids: Int32Array;
    mask: Uint8Array;
    ragged: boolean;
    last: Int32Array;
  } {
    const rows = prompts.length;
    const width = Math.max(0, ...prompts.map((p) => p.length));
    const ids = new Int32Array(rows * width).fill(this.padTokenId);
    const mask = new Uint8Array(rows * width);
    const last = new Int32Array(rows);
    prompts.forEach((p, r) => {
      if (p.length === 0) throw new ShapeError(`${this.modelType}: prompt ${r} is empty (a prompt needs at least one token)`);
      p.forEach((v, t) => {
        if (!(Number.isInteger(v) && v >= 0 && v < this.config.vocab_size)) {
          throw new ArgumentError(`${this.modelType}: prompts[${r}][${t}] = ${v} is outside [0, ${this.config.vocab_size}) (vocab_size)`);
        }
        ids[r * width + width - p.length + t] = v;
        mask[r * width + width - p.length + t] = 1;
      });
      last[r] = p.at(-1)!;
    });
    return { rows, width, ids, mask, ragged: prompts.some((p) => p.length !== width), last };
  }

  /** Logits [batch, T, V] for every position, and the shifted loss when labels are given. */
  forward(batch: RNNLMBatch): RNNLMOutput {
    const ids = this.checked('inputIds', batch.inputIds);
    const [b, T] = ids.shape as [number, number];
    const mask = checkMask(this.modelType, 'attentionMask', batch.attentionMask, ids);
    const x = this.drop.forward(this.embed.forward(ids));
    const { output } = runRecurrent(this.rnn, prepareSteps(this.rnn), x, { ...(mask && { mask }), between: this.between });
    const logits = this.project(output);
    if (!batch.labels) return { logits };
    const labels = this.checked('labels', batch.labels, b);
    if (labels.shape[1] !== T) {
      throw new ShapeError(`${this.modelType}: labels [${labels.shape.join(',')}] must have the shape of inputIds [${b},${T}]`);
    }
    const eps = this.config.label_smoothing;
    if (T < 2) return { logits, loss: sequenceLoss(slice(logits, [0, 0, 0], [b, 0, -1]), slice(labels, [0, 0], [b, 0]), eps) };
    let next = slice(labels, [0, 1], [b, T - 1]);
    if (mask) next = where(slice(mask, [0, 1], [b, T - 1]), next, IGNORE_INDEX);
    return { logits, loss: sequenceLoss(slice(logits, [0, 0, 0], [b, T - 1, -1]), next, eps) };
  }

  /**
   * Opens a decoding session. With `{ rows }` the first `step` is fed BOS. With a prompt,
   * every prompt token but the last is consumed here and the first `step` must be fed each
   * row's last prompt token (the session's `startTokens`). A prompt is either host ids
   * (`{ prompts }`, rows of any lengths, left-padded and masked here; every backend) or an
   * id tensor [rows, P] with an optional mask (left-padded; backends that read synchronously).
   */
  startDecoding(prompt: RNNLMPrompt, _options: DecodeStartOptions = {}): DecoderSession {
    const host = 'prompts' in prompt ? this.hostPrompts(prompt.prompts) : undefined;
    const rows = host ? host.rows : 'rows' in prompt ? prompt.rows : 'inputIds' in prompt ? prompt.inputIds.shape[0]! : 0;
    let startTokens = host?.last;
    const initial = this.engine.tidy(() =>
      noGrad(() => {
        let state = zeroState(this.rnn, rows);
        let ids: Tensor | undefined;
        let mask: Tensor | undefined;
        const opts = { engine: this.engine };
        if (host) {
          ids = tensor(host.ids, [rows, host.width], 'int32', opts);
          mask = host.ragged ? tensor(host.mask, [rows, host.width], 'bool', opts) : undefined;
        } else if ('inputIds' in prompt) {
          ids = this.checked('inputIds', prompt.inputIds);
          mask = checkMask(this.modelType, 'attentionMask', prompt.attentionMask, ids);
          const P = ids.shape[1]!;
          if (P === 0) throw new ShapeError(`${this.modelType}: a prompt needs at least one token per row, got inputIds [${ids.shape.join(',')}]`);
          if (!ids.engine.backend.readSync) {
            throw new ArgumentError(`${this.modelType}: a prompt tensor needs a backend that reads synchronously; pass host ids as { prompts }`);
          }
          const data = ids.dataSync();
          startTokens = Int32Array.from({ length: rows }, (_, r) => data[r * P + P - 1]!);
        }
        const P = ids?.shape[1] ?? 0;
        if (ids && P > 1) {
          const head = slice(ids, [0, 0], [rows, P - 1]);
          const m = mask && slice(mask, [0, 0], [rows, P - 1]);
          state = runRecurrent(this.rnn, prepareSteps(this.rnn), this.embed.forward(head), { state, ...(m && { mask: m }) }).state;
        }
        const entries: Record<string, StateEntry> = { h: { tensor: state.h, batchAxis: 1 } };
        if (state.c) entries.c = { tensor: state.c, batchAxis: 1 };
        return entries;
      }),
    );
    return new RecurrentDecoderSession(this.engine, this.config.vocab_size, this.modelType, initial, rows, (tokens, s) =>
      noGrad(() => {
        const x = this.drop.forward(this.embed.forward(tokens));
        const r = stepRecurrent(this.rnn, prepareSteps(this.rnn), x, { h: s.h!, ...(s.c && { c: s.c }) }, this.between);
        return { logProbs: logSoftmax(this.project(r.output)), state: { h: r.state.h, ...(r.state.c && { c: r.state.c }) } };
      }),
      startTokens,
    );
  }
}

/** Registers `RNNLM` by its type name (listed in `modelsModule`). */
export const rnnLMRegistration: ModelRegistration<RNNLMConfig> = {
  type: RNNLM_TYPE,
  create: (_heed: Heed, config, options) => new RNNLM(config, options),
};
