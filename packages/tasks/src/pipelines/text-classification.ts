/** The `text-classification` pipeline: single sentences and sentence pairs → `{label, score}` (or top-k lists). */
import type { Heed, Tensor } from '@heed/core';
import type { Encoding } from '@heed/tokenizers';
import { TaskInputError } from '../errors.js';
import { postprocessTextClassification, type LabelScore, type TextClassificationPostOptions } from '../postprocess/text-classification.js';
import { encodeBatch, encodeWith, labelsOf, maxLengthOf, outputOf, padIdOf } from './batch.js';
import { Pipeline, type HostTensor, type PipelineOptions, type PipelineParts } from './pipeline.js';
import type { TaskRegistration } from './registry.js';

/** One input: a text, or a pair (HF's `{text, text_pair}`). */
export type TextClassificationInput = string | { text: string; textPair?: string };

/** Options of the text-classification pipeline. */
export interface TextClassificationOptions extends PipelineOptions, TextClassificationPostOptions {
  /** Longest encoding (default the model's `max_position_embeddings`, else 512); longer inputs are truncated. */
  maxLength?: number;
}

/** Output per input: the best label, or a sorted list with `topK`. */
export type TextClassificationOutput = LabelScore | LabelScore[];

/** Runs a sequence classifier: forward returns `logits` [batch, numLabels]. */
export class TextClassificationPipeline extends Pipeline<TextClassificationInput, TextClassificationOutput, TextClassificationOptions, Encoding[]> {
  readonly task = 'text-classification';
  private readonly labels: string[] | undefined;

  constructor(heed: Heed, parts: PipelineParts, defaults: TextClassificationOptions = {}) {
    super(heed, parts, defaults);
    this.labels = labelsOf(parts.config);
  }

  preprocess(inputs: readonly TextClassificationInput[], o: TextClassificationOptions): Encoding[] {
    const pairs = inputs.map((x, i): [string, string | null] => {
      if (typeof x === 'string') return [x, null];
      if (x !== null && typeof x === 'object' && typeof x.text === 'string' && (x.textPair === undefined || typeof x.textPair === 'string'))
        return [x.text, x.textPair ?? null];
      throw new TaskInputError(`text-classification: input ${i} must be a string or {text, textPair?}, got ${JSON.stringify(x)}`);
    });
    const tok = this.parts.tokenizer;
    return encodeWith(tok, { maxLength: maxLengthOf(this.parts.config, o.maxLength) }, () => pairs.map(([a, b]) => tok.encode(a, b)));
  }

  forward(encs: Encoding[]): Record<string, Tensor> {
    const model = this.parts.model;
    const out = model.forward(encodeBatch(encs, padIdOf(this.parts.tokenizer), this.heed.engine));
    return { logits: outputOf(this.task, model, out, 'logits', 2) };
  }

  postprocess(outputs: Record<string, HostTensor>, _encs: Encoding[], o: TextClassificationOptions): TextClassificationOutput[] {
    const { data, shape } = outputs.logits!;
    const post: TextClassificationPostOptions = { topK: o.topK };
    if (o.functionToApply !== undefined) post.functionToApply = o.functionToApply;
    const problemType = o.problemType ?? this.parts.config.problem_type;
    if (typeof problemType === 'string') post.problemType = problemType;
    if (o.topK === undefined) delete post.topK;
    return postprocessTextClassification(data, shape[1]!, this.labels, post);
  }
}

/** The built-in `text-classification` task (models named `…ForSequenceClassification`). */
export const textClassificationTask: TaskRegistration<TextClassificationPipeline> = {
  task: 'text-classification',
  architectures: [/ForSequenceClassification$/],
  create: (heed, parts, options) => new TextClassificationPipeline(heed, parts, options),
};
