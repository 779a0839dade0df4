/** Helpers shared by the pipelines: batch tensors from encodings, labels from configs, tokenizer facts. */
import { tensor, type Engine, type Tensor } from '@heed/core';
import type { Model, ModelConfig } from '@heed/models';
import type { Encoding, Tokenizer } from '@heed/tokenizers';
import { TaskInputError, TaskModelMismatchError } from '../errors.js';
import type { TokenizerInfo } from '../postprocess/token-classification.js';

/** The model inputs of a batch of encodings, in the models' batch names. */
export type EncodedBatch = {
  /** int32 [b, S], padded with the padding id. */
  inputIds: Tensor;
  /** bool [b, S], true for real tokens. */
  attentionMask: Tensor;
  /** int32 [b, S], segment ids (0 for the first sequence, 1 for the second). */
  tokenTypeIds: Tensor;
};

/** Builds the batch tensors of `encs` (right-padded to the longest) on `engine`. */
export function encodeBatch(encs: readonly Encoding[], padId: number, engine: Engine): EncodedBatch {
  const b = encs.length;
  const s = Math.max(1, ...encs.map((e) => e.length));
  const ids = new Int32Array(b * s).fill(padId);
  const mask = new Uint8Array(b * s);
  const types = new Int32Array(b * s);
  encs.forEach((e, r) => {
    for (let i = 0; i < e.length; i++) {
      ids[r * s + i] = e.ids[i]!;
      mask[r * s + i] = e.attentionMask[i] ?? 1;
      types[r * s + i] = e.typeIds[i] ?? 0;
    }
  });
  const o = { engine };
  return {
    inputIds: tensor(ids, [b, s], 'int32', o),
    attentionMask: tensor(mask, [b, s], 'bool', o),
    tokenTypeIds: tensor(types, [b, s], 'int32', o),
  };
}

/** The padding id: the tokenizer's padding setting, else `[PAD]`/`<pad>`, else 0. */
export function padIdOf(tokenizer: Tokenizer): number {
  return tokenizer.padding?.padId ?? tokenizer.tokenToId('[PAD]') ?? tokenizer.tokenToId('<pad>') ?? 0;
}

/** Label names from the config's `id2label` (HF: `{"0": "NEGATIVE", …}`), or undefined. */
export function labelsOf(config: ModelConfig): string[] | undefined {
  const m = config.id2label;
  if (m === undefined || m === null) return undefined;
  if (typeof m !== 'object') throw new TaskInputError(`config: id2label must be an object of index -> label, got ${JSON.stringify(m)}`);
  const out: string[] = [];
  for (const [k, v] of Object.entries(m as Record<string, unknown>)) {
    const i = Number(k);
    if (!Number.isInteger(i) || i < 0 || typeof v !== 'string')
      throw new TaskInputError(`config: id2label entry ${JSON.stringify(k)}: ${JSON.stringify(v)} is not index -> label`);
    out[i] = v;
  }
  return out;
}

/** The longest input the model takes: the option, else `max_position_embeddings`, else 512. */
export function maxLengthOf(config: ModelConfig, option: number | undefined): number {
  const n = option ?? (typeof config.max_position_embeddings === 'number' ? config.max_position_embeddings : 512);
  if (!(Number.isInteger(n) && n >= 2)) throw new TaskInputError(`maxLength must be an integer ≥ 2, got ${n}`);
  return n;
}

/** What the token-classification postprocess needs to know about a tokenizer. */
export function tokenizerInfo(tokenizer: Tokenizer): TokenizerInfo {
  const model = tokenizer.model as { continuingSubwordPrefix?: string | null; unkToken: string | null };
  const unk = model.unkToken === null ? undefined : tokenizer.tokenToId(model.unkToken);
  const decoder = tokenizer.decoder;
  return {
    subwordPrefix: model.continuingSubwordPrefix ?? null,
    unkId: unk ?? null,
    tokensToString: (t) => (decoder !== null ? decoder.decode(t) : t.join(' ')),
  };
}

/** Encodes with the given truncation (windows when `stride` is set) and no padding, leaving the tokenizer's settings as they were. */
export function encodeWith(tokenizer: Tokenizer, truncation: Tokenizer['truncation'], f: () => Encoding[]): Encoding[] {
  const saved = [tokenizer.truncation, tokenizer.padding] as const;
  try {
    tokenizer.truncation = truncation;
    tokenizer.padding = null;
    return f();
  } finally {
    [tokenizer.truncation, tokenizer.padding] = saved;
  }
}

/** An output of the model's forward pass, or a typed error naming the task and architecture. */
export function outputOf(task: string, model: Model, outputs: object, name: string, rank: number): Tensor {
  const t = (outputs as Record<string, Tensor | undefined>)[name];
  if (t === undefined) throw new TaskModelMismatchError(task, model.modelType, `its forward pass returned no "${name}"`);
  if (t.rank !== rank) throw new TaskModelMismatchError(task, model.modelType, `"${name}" has shape [${t.shape.join(',')}], expected rank ${rank}`);
  return t;
}
