/** `heed predict <task>`: a model directory over an input file, predictions written atomically in the task's format. */
import { writeFileAtomic } from '@heed/core/node';
import { TaskInputError } from '../errors.js';
import { pipeline } from '../io/pipeline-node.js';
import { writeAttentionHeatmaps } from '../render/heatmaps-node.js';
import type { AnyPipeline } from '../pipelines/pipeline.js';
import { createCliApp } from './app.js';
import { readClassificationTsv, readConllForPredict, readSentences, readSquadForPredict, writeConll } from './formats.js';
import { answerQuestions, classify, tagSentences, translate, translationOptions } from './run-tasks.js';

/** Options of `heed predict`. */
export interface PredictOptions {
  model: string;
  input: string;
  output: string;
  backend: string;
  batchSize: number;
  /** translation: beam search with this many beams (greedy when absent or 1). */
  beamSize?: number;
  /** translation: most generated tokens. */
  maxLength?: number;
  /** translation: write attention heatmaps (SVG and PNG) of the first `attentionCount` sentences into this directory. */
  attention?: string;
  /** translation: how many sentences get heatmaps (default 1). */
  attentionCount?: number;
}

/** The tasks `heed predict` has file formats for. */
export const PREDICT_TASKS = ['translation', 'text-classification', 'token-classification', 'question-answering'] as const;

/** Predicts for every item of the input file; the output file is written only when everything succeeded. */
export async function predictCommand(task: string, o: PredictOptions): Promise<void> {
  if (!(PREDICT_TASKS as readonly string[]).includes(task))
    throw new TaskInputError(`heed predict: no file format for task "${task}"; use one of ${PREDICT_TASKS.join(', ')}`);
  const heed = await createCliApp(o.backend);
  let pipe: AnyPipeline | undefined;
  try {
    pipe = await pipeline(heed, task, o.model);
    const text = await predictText(task, pipe, o);
    await writeFileAtomic(o.output, text);
  } finally {
    pipe?.dispose();
    heed.dispose();
  }
}

async function predictText(task: string, pipe: AnyPipeline, o: PredictOptions): Promise<string> {
  if (task === 'translation') {
    const sentences = await readSentences(o.input);
    const out = await translate(pipe, sentences, o.batchSize, translationOptions(o));
    if (o.attention !== undefined) {
      const first = sentences.slice(0, o.attentionCount ?? 1);
      const withMaps = await translate(pipe, first, o.batchSize, { ...translationOptions(o), attentions: true });
      for (let i = 0; i < withMaps.length; i++) await writeAttentionHeatmaps(o.attention, withMaps[i]!.attention!, `sentence${i}.`);
    }
    return out.map((t) => `${t.translation_text.replace(/[\r\n]+/g, ' ')}\n`).join('');
  }
  if (task === 'text-classification') {
    const { inputs } = await readClassificationTsv(o.input);
    const labels = await classify(pipe, inputs, o.batchSize);
    return labels.map((l) => `${l}\n`).join('');
  }
  if (task === 'token-classification') {
    const { sentences, lines } = await readConllForPredict(o.input);
    return writeConll(lines, await tagSentences(pipe, sentences, o.batchSize));
  }
  const questions = await readSquadForPredict(o.input);
  return `${JSON.stringify(await answerQuestions(pipe, questions, o.batchSize))}\n`;
}
