/**
 * `heed eval <task>`: metrics of a model directory on a data file (`--model`), or of a
 * predictions file written by `heed predict` (`--predictions`), printed as JSON.
 */
import { TaskInputError } from '../errors.js';
import { collect } from '../data/lines.js';
import { readConll, readLines, readSentencePairs, readText } from '../data/files-node.js';
import { pipeline } from '../io/pipeline-node.js';
import { corpusBleu, formatBleu } from '../metrics/bleu.js';
import { accuracy, precisionRecallF1 } from '../metrics/classification.js';
import { entityScores } from '../metrics/entities.js';
import { squadScores } from '../metrics/squad.js';
import { labelsOf } from '../pipelines/batch.js';
import type { AnyPipeline } from '../pipelines/pipeline.js';
import { createCliApp } from './app.js';
import { readClassificationTsv, readConllForPredict, readSquadForPredict } from './formats.js';
import { answerQuestions, classify, tagSentences, translate, translationOptions } from './run-tasks.js';

/** Options of `heed eval`. */
export interface EvalOptions {
  data: string;
  model?: string;
  predictions?: string;
  backend: string;
  batchSize: number;
  /** Evaluate the first N items only. */
  limit?: number;
  /** Label names by index, to compare predicted names with numeric gold labels (predictions mode). */
  labels?: string[];
  /** translation: the pair file's first column is the source (English → other) instead of the second. */
  reverse?: boolean;
  /** translation: beam search with this many beams (greedy when absent or 1). */
  beamSize?: number;
  /** translation: most generated tokens. */
  maxLength?: number;
}

/** Metrics by name (JSON). */
export type Metrics = Record<string, unknown>;

/** Computes the metrics of `task`; see {@link EvalOptions}. */
export async function evalCommand(task: string, o: EvalOptions): Promise<Metrics> {
  if ((o.model === undefined) === (o.predictions === undefined))
    throw new TaskInputError('heed eval: give exactly one of --model DIR and --predictions FILE');
  const limit = <T>(xs: T[]): T[] => (o.limit === undefined ? xs : xs.slice(0, o.limit));
  let run: ((pipe: AnyPipeline) => Promise<Metrics>) | undefined;
  if (task === 'translation') {
    const pairs = limit(await collect(readSentencePairs(o.data)));
    const sources = pairs.map((p) => (o.reverse ? p.english : p.other));
    const refs = pairs.map((p) => (o.reverse ? p.other : p.english));
    const score = (hyps: string[]): Metrics => {
      const b = corpusBleu(hyps, [refs]);
      return {
        bleu: b.score,
        signature: formatBleu(b),
        counts: b.counts,
        totals: b.totals,
        bp: b.bp,
        sysLen: b.sysLen,
        refLen: b.refLen,
        sentences: refs.length,
      };
    };
    if (o.predictions !== undefined) return score(limit(await readLinesOf(o.predictions)));
    run = async (pipe) => score((await translate(pipe, sources, o.batchSize, translationOptions(o))).map((t) => t.translation_text));
  } else if (task === 'text-classification') {
    const data = await readClassificationTsv(o.data);
    const inputs = limit(data.inputs);
    const gold = limit(data.labels).map((l, i) => {
      if (l === undefined) throw new TaskInputError(`${o.data}: row ${i + 1} has no "label" column`);
      return l;
    });
    const score = (pred: string[], names: string[] | undefined): Metrics => classificationMetrics(pred, gold, names);
    if (o.predictions !== undefined) return score(limit(await readLinesOf(o.predictions)), o.labels);
    run = async (pipe) => score(await classify(pipe, inputs, o.batchSize), labelsOf(pipe.parts.config));
  } else if (task === 'token-classification') {
    const gold = limit(await collect(readConll(o.data, { iobTags: false })));
    const score = (pred: string[][]): Metrics => {
      const s = entityScores(
        pred,
        gold.map((x) => x.tags),
      );
      return { precision: s.precision, recall: s.recall, f1: s.f1, accuracy: s.accuracy, sentences: gold.length, perType: s.perType };
    };
    if (o.predictions !== undefined) return score(limit(await collect(readConll(o.predictions, { iobTags: false }))).map((x) => x.tags));
    const { sentences } = await readConllForPredict(o.data);
    run = async (pipe) => score(await tagSentences(pipe, limit(sentences), o.batchSize));
  } else if (task === 'question-answering') {
    const qs = limit(await readSquadForPredict(o.data));
    const score = (pred: Record<string, string>): Metrics => {
      const s = squadScores(qs, pred);
      return { exact_match: s.exactMatch, f1: s.f1, questions: s.total, unanswered: s.unanswered };
    };
    if (o.predictions !== undefined) return score(parsePredictionsJson(await readText(o.predictions), o.predictions));
    run = async (pipe) => score(await answerQuestions(pipe, qs, o.batchSize));
  } else
    throw new TaskInputError(
      `heed eval: no data format for task "${task}"; use translation, text-classification, token-classification or question-answering`,
    );
  const heed = await createCliApp(o.backend);
  let pipe: AnyPipeline | undefined;
  try {
    pipe = await pipeline(heed, task, o.model!);
    return await run(pipe);
  } finally {
    pipe?.dispose();
    heed.dispose();
  }
}

async function readLinesOf(path: string): Promise<string[]> {
  return collect(readLines(path));
}

function parsePredictionsJson(text: string, path: string): Record<string, string> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new TaskInputError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new TaskInputError(`${path}: must hold a JSON object {question id: answer}`);
  return v as Record<string, string>;
}

/**
 * Accuracy and F1 of predicted labels against gold labels. When the gold labels are
 * indices ("0", "1") and the predictions are names, names map to indices through `names`.
 * F1 is binary (positive = label 1) for two classes, macro otherwise.
 */
export function classificationMetrics(pred: string[], gold: string[], names: string[] | undefined): Metrics {
  if (pred.length !== gold.length) throw new TaskInputError(`heed eval: ${pred.length} predictions for ${gold.length} examples`);
  const numeric = gold.every((g) => /^\d+$/.test(g));
  const mapped = pred.map((p) => {
    if (!numeric || /^\d+$/.test(p)) return p;
    const i = names?.indexOf(p) ?? -1;
    if (i < 0)
      throw new TaskInputError(
        `heed eval: predicted label ${JSON.stringify(p)} has no index (gold labels are numbers; known names: ${names?.join(', ') ?? 'none'})`,
      );
    return String(i);
  });
  const classes = new Set([...gold, ...mapped]);
  const binary = classes.size <= 2 && numeric && [...classes].every((c) => c === '0' || c === '1');
  const f = binary ? precisionRecallF1(mapped, gold, { positiveLabel: '1' }) : precisionRecallF1(mapped, gold, { average: 'macro' });
  return {
    accuracy: accuracy(mapped, gold),
    f1: f.f1,
    precision: f.precision,
    recall: f.recall,
    average: binary ? 'binary' : 'macro',
    examples: gold.length,
  };
}
