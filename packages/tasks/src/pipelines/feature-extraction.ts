/**
 * The `feature-extraction` pipeline: texts → the encoder's hidden states, one vector per
 * token (Hugging Face's output, without its batch axis of 1), or one pooled vector
 * (`pooling: 'mean'` over real tokens, or `'cls'`, as transformers.js), optionally
 * L2-normalised.
 */
import type { Heed, Tensor } from '@heed/core';
import type { Encoding } from '@heed/tokenizers';
import { TaskInputError } from '../errors.js';
import { encodeBatch, encodeWith, maxLengthOf, outputOf, padIdOf } from './batch.js';
import { Pipeline, type HostTensor, type PipelineOptions, type PipelineParts } from './pipeline.js';
import type { TaskRegistration } from './registry.js';

/** Options of the feature-extraction pipeline. */
export interface FeatureExtractionOptions extends PipelineOptions {
  /** `none` (default: one vector per token), `mean` or `cls`. */
  pooling?: 'none' | 'mean' | 'cls';
  /** L2-normalise each vector (default false). */
  normalize?: boolean;
  /** Longest encoding (default the model's positions, else 512); longer texts are truncated. */
  maxLength?: number;
}

/** Output per text: vectors per token, or one pooled vector. */
export type FeatureExtractionOutput = number[][] | number[];

function l2(v: number[]): number[] {
  const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return n === 0 ? v : v.map((x) => x / n);
}

/** Runs an encoder: forward returns `lastHiddenState` [batch, tokens, hidden]. */
export class FeatureExtractionPipeline extends Pipeline<string, FeatureExtractionOutput, FeatureExtractionOptions, Encoding[]> {
  readonly task = 'feature-extraction';

  constructor(heed: Heed, parts: PipelineParts, defaults: FeatureExtractionOptions = {}) {
    super(heed, parts, defaults);
  }

  preprocess(inputs: readonly string[], o: FeatureExtractionOptions): Encoding[] {
    inputs.forEach((x, i) => {
      if (typeof x !== 'string') throw new TaskInputError(`feature-extraction: input ${i} must be a string, got ${typeof x}`);
    });
    if (o.pooling !== undefined && !['none', 'mean', 'cls'].includes(o.pooling))
      throw new TaskInputError(`feature-extraction: pooling must be none, mean or cls, got ${JSON.stringify(o.pooling)}`);
    const tok = this.parts.tokenizer;
    return encodeWith(tok, { maxLength: maxLengthOf(this.parts.config, o.maxLength) }, () => inputs.map((t) => tok.encode(t)));
  }

  forward(encs: Encoding[]): Record<string, Tensor> {
    const model = this.parts.model;
    const out = model.forward(encodeBatch(encs, padIdOf(this.parts.tokenizer), this.heed.engine));
    return { lastHiddenState: outputOf(this.task, model, out, 'lastHiddenState', 3) };
  }

  postprocess(outputs: Record<string, HostTensor>, encs: Encoding[], o: FeatureExtractionOptions): FeatureExtractionOutput[] {
    const { data, shape } = outputs.lastHiddenState!;
    const [, s, d] = shape as [number, number, number];
    return encs.map((e, r) => {
      const rows = Array.from({ length: e.length }, (_, i) => Array.from(data.subarray((r * s + i) * d, (r * s + i + 1) * d)));
      const pooling = o.pooling ?? 'none';
      if (pooling === 'none') return o.normalize ? rows.map(l2) : rows;
      const v = pooling === 'cls' ? rows[0]! : rows[0]!.map((_, k) => rows.reduce((acc, row) => acc + row[k]!, 0) / rows.length);
      return o.normalize ? l2(v) : v;
    });
  }
}

/** The built-in `feature-extraction` task (encoders such as `BertModel`). */
export const featureExtractionTask: TaskRegistration<FeatureExtractionPipeline> = {
  task: 'feature-extraction',
  architectures: ['BertModel'],
  create: (heed, parts, options) => new FeatureExtractionPipeline(heed, parts, options),
};
