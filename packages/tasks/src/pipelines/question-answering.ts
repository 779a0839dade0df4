/**
 * The `question-answering` pipeline (extractive, SQuAD-style): (question, context) → the
 * best answer span(s) with scores and character offsets into the context. Long contexts
 * are split into windows that share `docStride` tokens.
 */
import type { Heed, Tensor } from '@heed/core';
import { TokenizerConfigError, type Encoding } from '@heed/tokenizers';
import { TaskInputError } from '../errors.js';
import { postprocessQuestionAnswering, type Answer, type QaPostOptions } from '../postprocess/question-answering.js';
import { encodeBatch, encodeWith, maxLengthOf, outputOf, padIdOf } from './batch.js';
import { Pipeline, type HostTensor, type PipelineOptions, type PipelineParts } from './pipeline.js';
import type { TaskRegistration } from './registry.js';

/** One question about one context. */
export interface QuestionAnsweringInput {
  question: string;
  context: string;
}

/** Options of the question-answering pipeline (HF's names and defaults). */
export interface QuestionAnsweringOptions extends PipelineOptions, QaPostOptions {
  /** Tokens per window, question and special tokens included (default 384, at most the model's positions). */
  maxSeqLength?: number;
  /** Context tokens shared by consecutive windows (default min(128, maxSeqLength / 2)). */
  docStride?: number;
}

/** Output per question: the best answer, or a list of `topK` answers when `topK` > 1. */
export type QuestionAnsweringOutput = Answer | Answer[];

interface Pre {
  inputs: QuestionAnsweringInput[];
  windows: Encoding[];
  owner: number[];
}

/** Runs an extractive QA model: forward returns `startLogits` and `endLogits` [windows, tokens]. */
export class QuestionAnsweringPipeline extends Pipeline<QuestionAnsweringInput, QuestionAnsweringOutput, QuestionAnsweringOptions, Pre> {
  readonly task = 'question-answering';

  constructor(heed: Heed, parts: PipelineParts, defaults: QuestionAnsweringOptions = {}) {
    super(heed, parts, defaults);
  }

  preprocess(inputs: readonly QuestionAnsweringInput[], o: QuestionAnsweringOptions): Pre {
    inputs.forEach((x, i) => {
      if (x === null || typeof x !== 'object' || typeof x.question !== 'string' || typeof x.context !== 'string') {
        throw new TaskInputError(`question-answering: input ${i} must be {question, context} with string fields, got ${JSON.stringify(x)}`);
      }
      if (x.question.trim() === '') throw new TaskInputError(`question-answering: input ${i} has an empty question`);
      if (x.context.trim() === '') throw new TaskInputError(`question-answering: input ${i} has an empty context`);
    });
    const maxLen = Math.min(o.maxSeqLength ?? 384, maxLengthOf(this.parts.config, undefined));
    const stride = o.docStride ?? Math.min(128, Math.floor(maxLen / 2));
    const tok = this.parts.tokenizer;
    const windows: Encoding[] = [];
    const owner: number[] = [];
    inputs.forEach((x, i) => {
      let e: Encoding;
      try {
        [e] = encodeWith(tok, { maxLength: maxLen, stride, strategy: 'only_second' }, () => [tok.encode(x.question, x.context)]) as [Encoding];
      } catch (err) {
        if (err instanceof TokenizerConfigError) {
          throw new TaskInputError(
            `question-answering: input ${i} does not fit windows of ${maxLen} tokens with stride ${stride} (${err.message}); ` +
              'shorten the question or raise maxSeqLength',
          );
        }
        throw err;
      }
      for (const w of [e, ...e.overflowing]) {
        windows.push(w);
        owner.push(i);
      }
    });
    return { inputs: [...inputs], windows, owner };
  }

  forward(pre: Pre): Record<string, Tensor> {
    const model = this.parts.model;
    const out = model.forward(encodeBatch(pre.windows, padIdOf(this.parts.tokenizer), this.heed.engine));
    return { startLogits: outputOf(this.task, model, out, 'startLogits', 2), endLogits: outputOf(this.task, model, out, 'endLogits', 2) };
  }

  postprocess(outputs: Record<string, HostTensor>, pre: Pre, o: QuestionAnsweringOptions): QuestionAnsweringOutput[] {
    const start = outputs.startLogits!;
    const end = outputs.endLogits!;
    const s = start.shape[1]!;
    const cls = this.parts.tokenizer.tokenToId('[CLS]');
    const perInput = pre.inputs.map(() => [] as Parameters<typeof postprocessQuestionAnswering>[1][number][]);
    pre.windows.forEach((w, r) => {
      const n = w.length;
      const c = cls === undefined ? -1 : w.ids.indexOf(cls);
      perInput[pre.owner[r]!]!.push({
        startLogits: start.data.subarray(r * s, r * s + n),
        endLogits: end.data.subarray(r * s, r * s + n),
        sequenceIds: w.sequenceIds,
        wordIds: w.wordIds,
        starts: w.starts,
        ends: w.ends,
        clsIndex: c < 0 ? null : c,
      });
    });
    const post: QaPostOptions = {};
    for (const k of ['topK', 'maxAnswerLength', 'handleImpossibleAnswer', 'alignToWords'] as const)
      if (o[k] !== undefined) (post as Record<string, unknown>)[k] = o[k];
    return pre.inputs.map((x, i) => {
      const answers = postprocessQuestionAnswering(x.context, perInput[i]!, post);
      return (o.topK ?? 1) === 1 ? answers[0] ?? { score: 0, start: 0, end: 0, answer: '' } : answers;
    });
  }
}

/** The built-in `question-answering` task (models named `…ForQuestionAnswering`). */
export const questionAnsweringTask: TaskRegistration<QuestionAnsweringPipeline> = {
  task: 'question-answering',
  architectures: [/ForQuestionAnswering$/],
  create: (heed, parts, options) => new QuestionAnsweringPipeline(heed, parts, options),
};
