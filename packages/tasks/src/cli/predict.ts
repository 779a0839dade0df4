/** `heed predict <task>`: a model directory over an input file, predictions written atomically in the task's format. */
import { writeFileAtomic } from '@heed/core/node';
import { TaskInputError } from '../errors.js';
import { pipeline } from '../io/pipeline-node.js';
import type { AnyPipeline } from '../pipelines/pipeline.js';
import { createCliApp } from './app.js';
import { readClassificationTsv, readConllForPredict, readSquadForPredict, writeConll } from './formats.js';
import { answerQuestions, classify, tagSentences } from './run-tasks.js';

/** Options of `heed predict`. */
export interface PredictOptions {
  model: string;
  input: string;
  output: string;
  backend: string;
  batchSize: number;
}

/** The tasks `heed predict` has file formats for. */
export const PREDICT_TASKS = ['text-classification', 'token-classification', 'question-answering'] as const;

/** Predicts for every item of the input file; the output file is written only when everything succeeded. */
export async function predictCommand(task: string, o: PredictOptions): Promise<void> {
  if (!(PREDICT_TASKS as readonly string[]).includes(task)) throw new TaskInputError(`heed predict: no file format for task "${task}"; use one of ${PREDICT_TASKS.join(', ')}`);
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
