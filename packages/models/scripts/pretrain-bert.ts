/**
 * Pre-trains a small BERT (masked LM + next-sentence prediction) on the English text of
 * ../shared/data and saves it as a Hugging Face model directory with its tokenizer.
 *
 *   node --conditions=source --import tsx packages/models/scripts/pretrain-bert.ts --out DIR [--minutes 80] [--resume]
 *
 * Text: SQuAD contexts (articles 0–29 of the shared file; 30–37 are held out) and CoNLL-2003
 * train documents for sentence order; SST-2 train sentences and the English side of
 * fra-eng as single sentences (masked LM only). Held out for the reported accuracies: the
 * SQuAD articles 30–37 and the CoNLL valid documents. The vocabulary is a cased WordPiece
 * vocabulary of 8,192 pieces trained on the training text (--vocab-size, --lowercase), written
 * into DIR once and reused on --resume: a quarter of bert-base-uncased's 30,522 rows makes the
 * embedding, the tied MLM decoder and their optimizer state about 4× cheaper, every row is
 * seen in this 1.8M-token corpus, and case is kept for named entities (CoNLL). Checkpoints go to DIR/checkpoints every --checkpoint-every steps;
 * when --minutes runs out the script stops after the next checkpoint, so
 * `--resume` continues exactly there (the same losses as an uninterrupted run; pass the same
 * options again). The final model is DIR/model (config.json, model.safetensors,
 * tokenizer.json, vocab.txt), readable by `transformers`; DIR/report.json has the held-out
 * accuracies and the time summed over sessions. Attention-probability dropout defaults to 0
 * here (--attention-dropout) so that attention runs as the backend's fused kernel.
 */
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseArgs } from 'node:util';
import { AdamW, Rng, argmax, createHeed, tensor, type Heed } from '@heed/core';
import { cpuBackendModule } from '@heed/backend-cpu';
import { layersModule } from '@heed/layers';
import { Tokenizer, trainWordPiece } from '@heed/tokenizers';
import {
  Trainer,
  createModel,
  epochSeed,
  maskTokens,
  modelsModule,
  nspExamples,
  pretrainingArrays,
  shuffleInPlace,
  warmupSchedule,
  type BatchSource,
  type BertForPreTraining,
  type DataCursor,
  type HostBatch,
  type NspExample,
  type PositionedBatch,
  type TrainerEvent,
} from '../src/index.js';
import { listCheckpoints, saveBertDirectory } from '../src/node.js';

const { values: args } = parseArgs({
  options: {
    out: { type: 'string' },
    data: { type: 'string', default: process.env.HEED_DATA ?? join(import.meta.dirname, '../../../../shared/data') },
    resume: { type: 'boolean', default: false },
    minutes: { type: 'string', default: '65' },
    'max-steps': { type: 'string', default: '700' },
    batch: { type: 'string', default: '32' },
    'max-length': { type: 'string', default: '128' },
    layers: { type: 'string', default: '4' },
    hidden: { type: 'string', default: '256' },
    heads: { type: 'string', default: '4' },
    'vocab-size': { type: 'string', default: '8192' },
    lr: { type: 'string', default: '5e-4' },
    warmup: { type: 'string', default: '70' },
    seed: { type: 'string', default: '1' },
    'eval-every': { type: 'string', default: '175' },
    'checkpoint-every': { type: 'string', default: '50' },
    'fra-eng': { type: 'string', default: '60000' },
    'attention-dropout': { type: 'string', default: '0' },
    'held-out': { type: 'string', default: '320' },
    lowercase: { type: 'boolean', default: false },
  },
});
if (!args.out) throw new Error('pretrain-bert: --out DIR is required');
const OUT = args.out;
const num = (k: keyof typeof args): number => Number(args[k]);
const MAX_LEN = num('max-length');
const SEED = num('seed');
const SQUAD_TRAIN_ARTICLES = 30;

// ---- text ------------------------------------------------------------------------------------

/** Splits a paragraph into sentences at . ! ? followed by space and a capital, digit or quote. */
function sentences(text: string): string[] {
  return text
    .split(/(?<=[.!?]["')\]]?)\s+(?=["'(\[]?[A-Z0-9])/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function squadDocs(data: string): { train: string[][]; heldOut: string[][] } {
  const squad = JSON.parse(readFileSync(join(data, 'qa/squad-v1.1/dev-v1.1.shared.json'), 'utf8')) as {
    data: { paragraphs: { context: string }[] }[];
  };
  const docs = squad.data.map((a) => a.paragraphs.map((p) => sentences(p.context)));
  // Each paragraph is a document: consecutive paragraphs are less tightly ordered than sentences.
  const flat = (articles: string[][][]): string[][] => articles.flat();
  return { train: flat(docs.slice(0, SQUAD_TRAIN_ARTICLES)), heldOut: flat(docs.slice(SQUAD_TRAIN_ARTICLES)) };
}

function conllDocs(path: string): string[][] {
  const docs: string[][] = [];
  let doc: string[] = [];
  let sent: string[] = [];
  const endSentence = (): void => {
    if (sent.length) doc.push(sent.join(' '));
    sent = [];
  };
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.startsWith('-DOCSTART-')) {
      endSentence();
      if (doc.length) docs.push(doc);
      doc = [];
    } else if (line.trim() === '') endSentence();
    else sent.push(line.split(' ')[0]!);
  }
  endSentence();
  if (doc.length) docs.push(doc);
  return docs;
}

function singleSentences(data: string, fraEng: number): string[] {
  const sst = readFileSync(join(data, 'classification/sst2/train.tsv'), 'utf8')
    .split('\n')
    .slice(1)
    .map((l) => l.split('\t')[0]!.trim());
  // SST-2 train rows are phrases of sentences too: keep the long ones (mostly whole sentences).
  const sstSentences = [...new Set(sst.filter((s) => s.split(' ').length >= 8))];
  const eng = gunzipSync(readFileSync(join(data, 'translation/fra-eng/fra.txt.gz')))
    .toString('utf8')
    .split('\n')
    .map((l) => l.split('\t')[0]!.trim());
  const uniqueEng = [...new Set(eng.filter((s) => s.length > 0))];
  shuffleInPlace(uniqueEng, 17);
  return [...sstSentences, ...uniqueEng.slice(0, fraEng)];
}

// ---- data source -----------------------------------------------------------------------------

/** Epochs of masked batches: a new shuffle and new masks every epoch (dynamic masking), each batch's masks seeded by (seed, epoch, batch). */
class PretrainingSource implements BatchSource {
  constructor(
    readonly examples: readonly NspExample[],
    readonly batch: number,
    readonly mask: (ids: readonly number[], rng: Rng) => { inputIds: number[]; labels: number[] },
    readonly pad: number,
  ) {}

  get batchesPerEpoch(): number {
    return Math.floor(this.examples.length / this.batch);
  }

  *batches(epoch: number, from?: DataCursor): Iterable<PositionedBatch> {
    const order = shuffleInPlace(
      this.examples.map((_, i) => i),
      epochSeed(SEED, epoch),
    );
    for (let k = from?.batch ?? 0; k < this.batchesPerEpoch; k++) {
      const rng = new Rng(epochSeed(SEED, epoch, 1 + k));
      const rows = order.slice(k * this.batch, (k + 1) * this.batch).map((i) => {
        const e = this.examples[i]!;
        return { ...e, ...this.mask(e.inputIds, rng) };
      });
      yield { batch: hostBatch(rows, this.pad), cursor: { batch: k + 1 } };
    }
  }
}

function hostBatch(rows: (NspExample & { labels: number[] })[], pad: number): HostBatch {
  const a = pretrainingArrays(rows, pad);
  const shape = [a.rows, a.length];
  return {
    inputIds: { data: a.inputIds, shape },
    tokenTypeIds: { data: a.tokenTypeIds, shape },
    attentionMask: { data: a.attentionMask, shape },
    labels: { data: a.labels, shape },
    nextSentenceLabel: { data: a.nextSentenceLabel, shape: [a.rows] },
    maskedPositions: { data: a.maskedPositions, shape: [a.maskedPositions.length] },
  };
}

// ---- evaluation --------------------------------------------------------------------------------

/** MLM accuracy over the masked tokens and NSP accuracy over the pairs of held-out batches. */
function accuracies(heed: Heed, model: BertForPreTraining, batches: readonly HostBatch[]): { mlm: number; nsp: number } {
  let mlmRight = 0;
  let mlmAll = 0;
  let nspRight = 0;
  let nspAll = 0;
  for (const b of batches) {
    heed.engine.tidy(() => {
      const t = (k: string): ReturnType<typeof tensor> => tensor(b[k]!.data, [...b[k]!.shape], undefined, { engine: heed.engine });
      const pos = t('maskedPositions');
      const out = model.forward({
        inputIds: t('inputIds'),
        tokenTypeIds: t('tokenTypeIds'),
        attentionMask: t('attentionMask'),
        maskedPositions: pos,
      });
      const labels = Int32Array.from(b.maskedPositions!.data, (p) => b.labels!.data[p]!);
      const predicted = argmax(out.predictionLogits, -1).dataSync();
      predicted.forEach((p, i) => (mlmRight += p === labels[i] ? 1 : 0));
      mlmAll += labels.length;
      const nsp = argmax(out.seqRelationshipLogits, -1).dataSync();
      b.nextSentenceLabel!.data.forEach((l, i) => {
        if (l === -100) return;
        nspAll++;
        if (nsp[i] === l) nspRight++;
      });
    });
  }
  return { mlm: mlmRight / mlmAll, nsp: nspRight / nspAll };
}

// ---- main ------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const t0 = performance.now();
  mkdirSync(OUT, { recursive: true });
  const ckptDir = join(OUT, 'checkpoints');
  const squad = squadDocs(args.data!);
  const conllTrain = conllDocs(join(args.data!, 'ner/conll2003/train.txt'));
  const conllValid = conllDocs(join(args.data!, 'ner/conll2003/valid.txt'));
  const singles = singleSentences(args.data!, num('fra-eng'));
  const trainDocs = [...squad.train, ...conllTrain];
  const tokPath = join(OUT, 'tokenizer.json');
  let tokenizer: Tokenizer;
  if (existsSync(tokPath)) tokenizer = Tokenizer.fromJSON(readFileSync(tokPath, 'utf8'));
  else {
    if (args.resume) throw new Error(`pretrain-bert: --resume but ${tokPath} is missing`);
    tokenizer = trainWordPiece([...trainDocs.flat(), ...singles], { vocabSize: num('vocab-size'), lowercase: args.lowercase });
    writeFileSync(tokPath, tokenizer.toString(true));
  }
  const id = (t: string): number => tokenizer.tokenToId(t)!;
  const ids = { cls: id('[CLS]'), sep: id('[SEP]'), mask: id('[MASK]'), pad: id('[PAD]') };
  const encode = (s: string): number[] => tokenizer.encode(s, null, { addSpecialTokens: false }).ids;
  const docIds = (docs: string[][]): number[][][] => docs.map((d) => d.map(encode));
  const train = nspExamples(docIds(trainDocs), { maxLength: MAX_LEN, seed: SEED, ids, singles: singles.map(encode) });
  const heldOut = nspExamples(docIds([...squad.heldOut, ...conllValid]), { maxLength: MAX_LEN, seed: SEED + 1, ids }).slice(0, num('held-out'));
  const vocabSize = tokenizer.getVocabSize();
  const specialIds = [ids.cls, ids.sep, ids.pad, ids.mask, id('[UNK]')];
  const mask = (x: readonly number[], rng: Rng): { inputIds: number[]; labels: number[] } =>
    maskTokens(x, rng, { vocabSize, maskId: ids.mask, specialIds });
  const evalRng = new Rng(SEED + 2);
  const evalBatches: HostBatch[] = [];
  for (let i = 0; i < heldOut.length; i += 64)
    evalBatches.push(
      hostBatch(
        heldOut.slice(i, i + 64).map((e) => ({ ...e, ...mask(e.inputIds, evalRng) })),
        ids.pad,
      ),
    );
  const tokens = train.reduce((n, e) => n + e.inputIds.length, 0);
  console.log(
    `data: ${train.length} training sequences (${tokens} tokens; ${train.filter((e) => e.nextSentenceLabel !== -100).length} NSP pairs), ` +
      `${heldOut.length} held-out pairs; vocabulary ${vocabSize}; prepared in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );

  const heed = await createHeed({ plugins: [cpuBackendModule, layersModule, modelsModule], backend: 'cpu', setActive: true });
  const hidden = num('hidden');
  const model = createModel<BertForPreTraining>(
    heed,
    {
      architectures: ['BertForPreTraining'],
      vocab_size: vocabSize,
      hidden_size: hidden,
      num_hidden_layers: num('layers'),
      num_attention_heads: num('heads'),
      intermediate_size: 4 * hidden,
      max_position_embeddings: 512,
      pad_token_id: ids.pad,
      attention_probs_dropout_prob: num('attention-dropout'),
    },
    { seed: SEED },
  );
  const maxSteps = num('max-steps');
  const budget = num('minutes') * 60;
  let timeUp = false;
  const stopAfterCheckpoint = (e: TrainerEvent): void => {
    if (e.type === 'step' && (performance.now() - t0) / 1000 > budget) timeUp = true;
    if (e.type === 'step' && e.step % 20 === 0)
      console.log(
        `step ${e.step}: loss ${e.loss.toFixed(4)}, lr ${e.lr.toExponential(2)}, ` +
          `${e.tokensPerSecond.toFixed(0)} target tok/s, ${e.elapsed.toFixed(0)} s`,
      );
    if (e.type === 'checkpoint' && timeUp) throw new TimeUp(e.step);
  };
  const trainer = new Trainer(model, {
    optimizer: new AdamW(num('lr'), { weightDecay: 0.01 }),
    schedule: warmupSchedule({ peak: num('lr'), warmupSteps: num('warmup'), totalSteps: maxSteps }),
    maxSteps,
    clipNorm: 1,
    checkpoint: { dir: ckptDir, every: num('checkpoint-every') },
    evaluate: {
      every: num('eval-every'),
      mode: 'max',
      metric: (m) => {
        const acc = accuracies(heed, m, evalBatches);
        console.log(`held-out: MLM accuracy ${(100 * acc.mlm).toFixed(2)}%, NSP accuracy ${(100 * acc.nsp).toFixed(2)}%`);
        return acc.mlm;
      },
    },
    logFile: join(OUT, 'log.jsonl'),
    listeners: [stopAfterCheckpoint],
  });
  if (args.resume && (await listCheckpoints(ckptDir)).length > 0) {
    await trainer.resume(ckptDir);
    console.log(`resumed at step ${trainer.steps}`);
  }
  let finished = true;
  try {
    await trainer.fit(new PretrainingSource(train, num('batch'), mask, ids.pad));
  } catch (e) {
    if (!(e instanceof TimeUp)) throw e;
    finished = false;
    console.log(`time budget reached: checkpoint at step ${e.step}; continue with --resume`);
  }
  model.eval();
  const acc = accuracies(heed, model, evalBatches);
  const params = model.parameterCount();
  // Time adds up over resumed sessions: the previous sessions' seconds are in report.json.
  const reportPath = join(OUT, 'report.json');
  const previous =
    args.resume && existsSync(reportPath)
      ? ((JSON.parse(readFileSync(reportPath, 'utf8')) as { sessions?: { step: number; seconds: number }[] }).sessions ?? [])
      : [];
  const sessions = [...previous, { step: trainer.steps, seconds: (performance.now() - t0) / 1000 }];
  const report = {
    step: trainer.steps,
    finished,
    seconds: sessions.reduce((t, x) => t + x.seconds, 0),
    sessions,
    parameters: params,
    heldOutMlmAccuracy: acc.mlm,
    heldOutNspAccuracy: acc.nsp,
    vocabSize,
    heldOutMaskedTokens: evalBatches.reduce((n, b) => n + b.maskedPositions!.data.length, 0),
    heldOutPairs: heldOut.length,
  };
  console.log(JSON.stringify(report));
  await saveBertDirectory(model, join(OUT, 'model'), tokenizer);
  writeFileSync(reportPath, `${JSON.stringify(report, null, 2)}\n`);
  model.dispose();
  heed.dispose();
}

/** Thrown by the listener once a checkpoint is written after the time budget ran out. */
class TimeUp extends Error {
  constructor(readonly step: number) {
    super(`time budget reached at step ${step}`);
  }
}

await main();
