/**
 * What `heed predict` and `heed eval` run per task: the pipeline over every item of a
 * file, in chunks so that a progress bar can follow, with one prediction per item.
 */
import type { AnyPipeline } from '../pipelines/pipeline.js';
import type { LabelScore } from '../postprocess/text-classification.js';
import type { TokenPrediction } from '../postprocess/token-classification.js';
import type { Answer } from '../postprocess/question-answering.js';
import type { TextClassificationInput } from '../pipelines/text-classification.js';
import type { TranslationOptions, TranslationOutput } from '../pipelines/translation.js';
import { joinTokens, wordTags } from './formats.js';
import { progressBar } from './progress.js';

/** Runs `pipe` over `items` in chunks of `batchSize`, with a progress bar labelled `label`. */
export async function runAll<I, O>(pipe: AnyPipeline, items: readonly I[], batchSize: number, label: string, options: object = {}): Promise<O[]> {
  const bar = progressBar(label, items.length);
  const out: O[] = [];
  try {
    for (let i = 0; i < items.length; i += batchSize) {
      const chunk = items.slice(i, i + batchSize);
      const res = (await pipe.run(chunk as I[], { ...options, batchSize })) as O[];
      out.push(...res);
      bar.tick(chunk.length);
    }
  } finally {
    bar.stop();
  }
  return out;
}

/** text-classification: the best label of each input. */
export async function classify(pipe: AnyPipeline, inputs: readonly TextClassificationInput[], batchSize: number): Promise<string[]> {
  const res = await runAll<TextClassificationInput, LabelScore>(pipe, inputs, batchSize, 'classify');
  return res.map((r) => r.label);
}

/** token-classification: a tag per CoNLL token (each word takes its first sub-token's label). */
export async function tagSentences(pipe: AnyPipeline, sentences: readonly string[][], batchSize: number): Promise<string[][]> {
  const joined = sentences.map((s) => joinTokens(s));
  const res = await runAll<string, TokenPrediction[]>(
    pipe,
    joined.map((j) => j.text),
    batchSize,
    'tag',
    { aggregation: 'none', ignoreLabels: [] },
  );
  return res.map((tokens, i) => wordTags(joined[i]!.spans, tokens));
}

/** question-answering: the best answer text per question id. */
export async function answerQuestions(
  pipe: AnyPipeline,
  questions: readonly { id: string; question: string; context: string }[],
  batchSize: number,
): Promise<Record<string, string>> {
  const res = await runAll<{ question: string; context: string }, Answer>(pipe, questions, batchSize, 'answer');
  const out: Record<string, string> = {};
  questions.forEach((q, i) => (out[q.id] = res[i]!.answer));
  return out;
}

/** translation: one translation per sentence (greedy, or beam search with `beamSize`). */
export async function translate(
  pipe: AnyPipeline,
  sentences: readonly string[],
  batchSize: number,
  options: TranslationOptions = {},
): Promise<TranslationOutput[]> {
  return runAll<string, TranslationOutput>(pipe, sentences, batchSize, 'translate', options);
}

/** Generation options of the CLI flags (`--beam-size`, `--max-length`). */
export function translationOptions(o: { beamSize?: number; maxLength?: number }): TranslationOptions {
  const t: TranslationOptions = {};
  if (o.beamSize !== undefined && o.beamSize > 1) {
    t.strategy = 'beam';
    t.beamSize = o.beamSize;
  }
  if (o.maxLength !== undefined) t.maxLength = o.maxLength;
  return t;
}
