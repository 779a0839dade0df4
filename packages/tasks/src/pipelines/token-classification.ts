/** The `token-classification` pipeline (NER): texts → entities with scores and character offsets. */
import type { Heed, Tensor } from '@heed/core';
import type { Encoding } from '@heed/tokenizers';
import { TaskInputError } from '../errors.js';
import {
  postprocessTokenClassification,
  type EntityGroup,
  type TokenClassificationPostOptions,
  type TokenPrediction,
  type TokenizerInfo,
} from '../postprocess/token-classification.js';
import { encodeBatch, encodeWith, labelsOf, maxLengthOf, outputOf, padIdOf, tokenizerInfo } from './batch.js';
import { Pipeline, type HostTensor, type PipelineOptions, type PipelineParts } from './pipeline.js';
import type { TaskRegistration } from './registry.js';

/** Options of the token-classification pipeline. */
export interface TokenClassificationOptions extends PipelineOptions, TokenClassificationPostOptions {
  /** Tokens per window (default the model's `max_position_embeddings`, else 512). */
  maxLength?: number;
  /** Tokens shared by consecutive windows of a long text (default 0); every window is tagged. */
  stride?: number;
}

/** Output per text: token predictions (aggregation `none`) or entity groups. */
export type TokenClassificationOutput = Array<TokenPrediction | EntityGroup>;

interface Pre {
  texts: string[];
  /** Windows of every text, in order. */
  windows: Encoding[];
  /** Index of the text each window belongs to. */
  owner: number[];
}

/** Runs a token classifier: forward returns `logits` [windows, tokens, numLabels]. */
export class TokenClassificationPipeline extends Pipeline<string, TokenClassificationOutput, TokenClassificationOptions, Pre> {
  readonly task = 'token-classification';
  private readonly labels: string[] | undefined;
  private readonly info: TokenizerInfo;

  constructor(heed: Heed, parts: PipelineParts, defaults: TokenClassificationOptions = {}) {
    super(heed, parts, defaults);
    this.labels = labelsOf(parts.config);
    this.info = tokenizerInfo(parts.tokenizer);
  }

  preprocess(inputs: readonly string[], o: TokenClassificationOptions): Pre {
    inputs.forEach((x, i) => {
      if (typeof x !== 'string') throw new TaskInputError(`token-classification: input ${i} must be a string, got ${typeof x}`);
    });
    const tok = this.parts.tokenizer;
    const trunc = { maxLength: maxLengthOf(this.parts.config, o.maxLength), stride: o.stride ?? 0 };
    const encs = encodeWith(tok, trunc, () => inputs.map((t) => tok.encode(t)));
    const windows: Encoding[] = [];
    const owner: number[] = [];
    encs.forEach((e, i) => {
      for (const w of [e, ...e.overflowing]) {
        windows.push(w);
        owner.push(i);
      }
    });
    return { texts: [...inputs], windows, owner };
  }

  forward(pre: Pre): Record<string, Tensor> {
    const model = this.parts.model;
    const out = model.forward(encodeBatch(pre.windows, padIdOf(this.parts.tokenizer), this.heed.engine));
    return { logits: outputOf(this.task, model, out, 'logits', 3) };
  }

  postprocess(outputs: Record<string, HostTensor>, pre: Pre, o: TokenClassificationOptions): TokenClassificationOutput[] {
    const { data, shape } = outputs.logits!;
    const [, s, numLabels] = shape as [number, number, number];
    const perText = pre.texts.map(() => [] as Parameters<typeof postprocessTokenClassification>[1][number][]);
    pre.windows.forEach((w, r) => {
      const logits = data.subarray(r * s * numLabels, (r * s + w.length) * numLabels);
      perText[pre.owner[r]!]!.push({ ids: w.ids, tokens: w.tokens, starts: w.starts, ends: w.ends, specialTokensMask: w.specialTokensMask, logits });
    });
    const post: TokenClassificationPostOptions = {};
    if (o.aggregation !== undefined) post.aggregation = o.aggregation;
    if (o.ignoreLabels !== undefined) post.ignoreLabels = o.ignoreLabels;
    return pre.texts.map((t, i) => postprocessTokenClassification(t, perText[i]!, numLabels, this.labels, this.info, post));
  }
}

/** The built-in `token-classification` task (models named `…ForTokenClassification`). */
export const tokenClassificationTask: TaskRegistration<TokenClassificationPipeline> = {
  task: 'token-classification',
  architectures: [/ForTokenClassification$/],
  create: (heed, parts, options) => new TokenClassificationPipeline(heed, parts, options),
};
