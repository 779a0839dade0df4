/**
 * The pipeline framework: every task pipeline is three steps, run batch by batch.
 *
 * 1. `preprocess` (host code only): inputs → encodings and whatever postprocess needs;
 * 2. the model step (the only tensor code): for `Pipeline`s, `forward` builds the batch
 *    tensors and runs the model; the base class runs it without gradients inside a `tidy`
 *    scope, reads the outputs it returns back to the host and frees them, so live tensors
 *    stay flat. Generating pipelines (translation, text-generation) implement `execute`
 *    around `@heed/models`' `generate`, whose sessions free their own state;
 * 3. `postprocess` (pure): host outputs → results in Hugging Face's shapes.
 */
import type { Heed, Tensor, TypedArray } from '@heed/core';
import type { Model, ModelConfig } from '@heed/models';
import type { Tokenizer } from '@heed/tokenizers';
import { TaskInputError } from '../errors.js';

/** What a pipeline runs: a loaded model, its tokenizer and its config. */
export interface PipelineParts {
  /** The model (in eval mode). The pipeline owns it: `dispose()` frees it. */
  model: Model;
  /** The tokenizer matching the model's (source) vocabulary. */
  tokenizer: Tokenizer;
  /** The target-side tokenizer of an encoder–decoder with separate vocabularies (decodes its outputs). */
  targetTokenizer?: Tokenizer;
  /** The model config (`config.json`), e.g. for `id2label`. */
  config: ModelConfig;
  /** Where the parts came from (a model directory), for error messages. */
  source?: string;
}

/** Options every pipeline takes. */
export interface PipelineOptions {
  /** Inputs per forward pass (default 8). */
  batchSize?: number;
}

/** A model output read back to the host. */
export interface HostTensor {
  data: TypedArray;
  shape: number[];
}

/** A length estimate of an input (characters of its strings), to batch inputs of similar length together. */
function inputSize(x: unknown): number {
  if (typeof x === 'string') return x.length;
  if (x !== null && typeof x === 'object') return Object.values(x).reduce((n: number, v) => n + (typeof v === 'string' ? v.length : 0), 0);
  return 0;
}

/**
 * What every pipeline shares: options merged over the defaults, inputs split into
 * batches of similar length, and preprocess → `execute` → postprocess per batch. `Fwd` is what the
 * model step hands to postprocess (host data only). Calling `run` with one input returns
 * one result; with an array, an array.
 */
export abstract class PipelineBase<In, Out, Opt extends PipelineOptions, Pre, Fwd> {
  /** The task name this pipeline is registered under. */
  abstract readonly task: string;

  constructor(
    /** The app whose engine runs the model. */
    readonly heed: Heed,
    /** The model, tokenizer and config. */
    readonly parts: PipelineParts,
    /** Default options, overridden per call. */
    readonly defaults: Opt = {} as Opt,
  ) {}

  /** Host code: turns a batch of inputs into what the model step and postprocess need. */
  abstract preprocess(inputs: readonly In[], options: Opt): Pre;

  /** The model step (the only tensor code): runs the model and returns host data. */
  protected abstract execute(pre: Pre, options: Opt): Promise<Fwd>;

  /** Pure code: one result per input of the batch. */
  abstract postprocess(outputs: Fwd, pre: Pre, options: Opt): Out[];

  /** Runs the pipeline on one input (one result) or an array of inputs (an array of results). */
  run(inputs: In, options?: Opt): Promise<Out>;
  run(inputs: readonly In[], options?: Opt): Promise<Out[]>;
  async run(inputs: In | readonly In[], options: Opt = {} as Opt): Promise<Out | Out[]> {
    const single = !Array.isArray(inputs);
    const list = single ? [inputs as In] : (inputs as readonly In[]);
    const o = { ...this.defaults, ...options };
    const batchSize = o.batchSize ?? 8;
    if (!(Number.isInteger(batchSize) && batchSize >= 1))
      throw new TaskInputError(`${this.task}: batchSize must be a positive integer, got ${batchSize}`);
    // Inputs of similar length share a batch (less padding); results come back in input order.
    const order = list.map((_, i) => i);
    if (list.length > batchSize) order.sort((a, b) => inputSize(list[a]) - inputSize(list[b]) || a - b);
    const out = new Array<Out>(list.length);
    for (let i = 0; i < list.length; i += batchSize) {
      const idx = order.slice(i, i + batchSize);
      const pre = this.preprocess(
        idx.map((k) => list[k]!),
        o,
      );
      const host = await this.execute(pre, o);
      const results = this.postprocess(host, pre, o);
      idx.forEach((k, j) => (out[k] = results[j]!));
    }
    return single ? out[0]! : out;
  }

  /** Frees the model. */
  dispose(): void {
    this.parts.model.dispose();
  }
}

/**
 * Base class of pipelines with one forward pass per batch: `forward` runs without
 * gradients inside a `tidy` scope, and the tensors it returns are read back to the host
 * and freed, so live tensors stay flat.
 */
export abstract class Pipeline<In, Out, Opt extends PipelineOptions = PipelineOptions, Pre = unknown> extends PipelineBase<
  In,
  Out,
  Opt,
  Pre,
  Record<string, HostTensor>
> {
  /** Tensor code: runs the model on the batch; returns the outputs to read back, by name. */
  abstract forward(pre: Pre, options: Opt): Record<string, Tensor>;

  /** Runs `forward` without gradients in a memory scope and reads its outputs back. */
  protected async execute(pre: Pre, options: Opt): Promise<Record<string, HostTensor>> {
    const engine = this.heed.engine;
    const outs = engine.tidy(() => engine.noGrad(() => this.forward(pre, options)));
    try {
      const host: Record<string, HostTensor> = {};
      for (const [name, t] of Object.entries(outs)) host[name] = { data: await t.data(), shape: [...t.shape] };
      return host;
    } finally {
      for (const t of Object.values(outs)) t.dispose();
    }
  }
}

/** A pipeline of any task (what the registry hands out before the caller names the class). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyPipeline = PipelineBase<any, unknown, any, any, any>;
