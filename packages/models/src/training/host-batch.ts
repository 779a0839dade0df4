/**
 * Host batches: what training data yields. Plain typed arrays with shapes (no tensors), so
 * data pipelines allocate nothing on the device and the Trainer turns a batch into
 * tensors inside the step's scope, where it also frees them.
 */
import { ArgumentError, DTypeError, ShapeError, sizeOf, type DType, type Engine, type Tensor } from '@heed/core';
import type { ModelBatch } from '../model.js';

/** A host array: float32 (Float32Array), int32 (Int32Array) or bool (Uint8Array of 0/1). */
export type HostData = Float32Array | Int32Array | Uint8Array;

/** One input of a host batch: its values, row-major, and shape. */
export interface HostArray {
  readonly data: HostData;
  readonly shape: readonly number[];
}

/** A batch on the host, keyed by model input name (`inputIds`, `attentionMask`, `labels`, …). */
export type HostBatch = { readonly [input: string]: HostArray };

/** The dtype a host array becomes: Float32Array → float32, Int32Array → int32, Uint8Array → bool. */
export function hostDType(data: HostData): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint8Array) return 'bool';
  throw new DTypeError(`host batch: arrays must be Float32Array, Int32Array or Uint8Array (bool), got ${Object.prototype.toString.call(data)}`);
}

/** Makes tensors of a host batch on `engine` (the caller disposes them; the Trainer does so inside its step scope). */
export function batchToTensors(batch: HostBatch, engine: Engine): ModelBatch {
  const out: Record<string, Tensor> = {};
  for (const [name, arr] of Object.entries(batch)) {
    if (!arr || typeof arr !== 'object' || !('data' in arr) || !Array.isArray(arr.shape)) {
      throw new ArgumentError(`host batch: "${name}" must be { data, shape }, got ${JSON.stringify(arr)?.slice(0, 80)}`);
    }
    const dtype = hostDType(arr.data);
    if (sizeOf(arr.shape) !== arr.data.length) {
      throw new ShapeError(`host batch: "${name}" has ${arr.data.length} values for shape [${arr.shape.join(',')}]`);
    }
    // A copy: the engine may keep the array it is given, and the data source may reuse its buffers.
    out[name] = engine.fromHost(arr.data.slice(), arr.shape, dtype);
  }
  return out;
}

/**
 * The number of target tokens in a host batch, the weight of a micro-batch in gradient
 * accumulation and the "tokens" of tokens/s: labels that are not `ignoreIndex`, else the
 * true entries of `attentionMask`, else the rows of the first input.
 */
export function countTokens(batch: HostBatch, ignoreIndex = -100): number {
  const labels = batch.labels?.data;
  if (labels) {
    let n = 0;
    for (let i = 0; i < labels.length; i++) if (labels[i] !== ignoreIndex) n++;
    return n;
  }
  const mask = batch.attentionMask?.data;
  if (mask) {
    let n = 0;
    for (let i = 0; i < mask.length; i++) if (mask[i]) n++;
    return n;
  }
  const first = Object.values(batch)[0];
  return first ? (first.shape[0] ?? 1) : 0;
}

/** Options of `padSequences`. */
export interface PadOptions {
  /** The value of padding positions (default 0). */
  padValue?: number;
  /** Pad (never truncate) to this length; default the longest sequence. */
  length?: number;
}

/** Pads int sequences into an int32 [batch, length] host array. */
export function padSequences(seqs: readonly (readonly number[])[], options: PadOptions = {}): HostArray {
  const longest = seqs.reduce((m, s) => Math.max(m, s.length), 0);
  const length = options.length ?? longest;
  if (length < longest) throw new ArgumentError(`padSequences: length ${length} is shorter than the longest sequence (${longest})`);
  const data = new Int32Array(seqs.length * length).fill(options.padValue ?? 0);
  seqs.forEach((s, i) => data.set(s, i * length));
  return { data, shape: [seqs.length, length] };
}

/** The bool [batch, length] mask of real positions (true = a token, false = padding) of `seqs` padded to `length`. */
export function paddingMask(seqs: readonly (readonly number[])[], length = seqs.reduce((m, s) => Math.max(m, s.length), 0)): HostArray {
  const data = new Uint8Array(seqs.length * length);
  seqs.forEach((s, i) => data.fill(1, i * length, i * length + Math.min(s.length, length)));
  return { data, shape: [seqs.length, length] };
}

/** A source/target pair of token ids, without BOS/EOS. */
export interface Seq2SeqExample {
  readonly source: readonly number[];
  readonly target: readonly number[];
}

/** Special ids of `seq2seqCollate`. */
export interface Seq2SeqCollateOptions {
  padId: number;
  bosId: number;
  eosId: number;
}

/**
 * Collates pairs into the Hugging Face batch of an encoder–decoder: `inputIds` and bool
 * `attentionMask` [b, S] (source padded with padId), `decoderInputIds` [b, T] = BOS + target
 * (teacher forcing) and `labels` [b, T] = target + EOS, -100 at padding.
 */
export function seq2seqCollate(options: Seq2SeqCollateOptions): (examples: readonly Seq2SeqExample[]) => HostBatch {
  return (examples) => {
    const src = examples.map((e) => e.source);
    const dec = examples.map((e) => [options.bosId, ...e.target]);
    const lab = examples.map((e) => [...e.target, options.eosId]);
    return {
      inputIds: padSequences(src, { padValue: options.padId }),
      attentionMask: paddingMask(src),
      decoderInputIds: padSequences(dec, { padValue: options.padId }),
      labels: padSequences(lab, { padValue: -100 }),
    };
  };
}
