/**
 * Trains `AttentionSeq2Seq` (Bahdanau, additive) and `Transformer` on the first 10,000
 * English–French pairs of the shared Tatoeba file, in both directions (en→fr, fr→en),
 * holds out a split, and prints corpus BLEU on it and a few translations.
 *
 *   npx tsx packages/models/scripts/translate-fra-eng.ts [--budget 30] [--out /tmp/heed-translate] [--resume]
 *
 * Options: --budget minutes for the whole job (training and evaluation of every run; a
 * resumed job keeps the time already spent), --out the run directory (tokenizers,
 * checkpoints, final models, state.json), --resume continues an interrupted job from its
 * latest checkpoints (finished runs are reported, not retrained), --models
 * transformer,attention, --directions en-fr,fr-en, --data the pairs file (default
 * $HEED_DATA or ../shared/data beside the repository), --pairs 10000, --holdout 0.05,
 * --beam 4, --seed 1.
 *
 * Text is prepared as Dive into Deep Learning does (non-breaking spaces to spaces,
 * lower case) and tokenized into words by @heed/tokenizers' word-level tokenizer, which
 * splits punctuation off. The held-out pairs are whole connected components of the
 * sentence graph (an English or French sentence never appears on both sides of the split).
 * BLEU is sacreBLEU's corpus BLEU (13a tokenization, exp smoothing) from @heed/tasks'
 * metrics, on lower-cased references.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { AdamW, Rng, createHeed, tensor, type Heed, type Tensor } from '@heed/core';
import { writeFileAtomic } from '@heed/core/node';
import { cpuBackendModule } from '@heed/backend-cpu';
import { layersModule } from '@heed/layers';
import { trainWordLevel, type Tokenizer } from '@heed/tokenizers';
import { saveTokenizer, fromFile } from '@heed/tokenizers/node';
import {
  BucketedData,
  Trainer,
  beamSearch,
  createModel,
  modelsModule,
  seq2seqCollate,
  warmupSchedule,
  type LRSchedule,
  type Model,
  type ModelConfig,
  type Generative,
} from '../src/index.js';
import { listCheckpoints, saveModel } from '../src/node.js';
// @heed/tasks depends on @heed/models, so the models package cannot list it as a dependency;
// this script (not part of the package build) reads its metric from the workspace sources.
import { corpusBleu, formatBleu } from '../../tasks/src/metrics/bleu.js';

const SPECIALS = ['[PAD]', '[UNK]', '[BOS]', '[EOS]'];
const [PAD, BOS, EOS] = [0, 2, 3];
/** Longest source and target kept, in words (longer pairs are truncated, as D2L's num_steps). */
const MAX_WORDS = 12;

interface Pair {
  en: string;
  fr: string;
}

interface Example {
  source: number[];
  target: number[];
}

interface RunState {
  trainSeconds: number;
  steps: number;
  done: boolean;
  bleu?: string;
  samples?: string[];
}

interface JobState {
  settings: Record<string, unknown>;
  spentSeconds: number;
  runs: Record<string, RunState>;
}

const log = (msg: string): void => console.log(`${new Date().toISOString().slice(11, 19)} ${msg}`);

function options() {
  const { values } = parseArgs({
    options: {
      budget: { type: 'string', default: '30' },
      out: { type: 'string', default: '/tmp/heed-translate' },
      resume: { type: 'boolean', default: false },
      models: { type: 'string', default: 'transformer,attention' },
      directions: { type: 'string', default: 'en-fr,fr-en' },
      data: { type: 'string' },
      pairs: { type: 'string', default: '10000' },
      holdout: { type: 'string', default: '0.05' },
      beam: { type: 'string', default: '4' },
      seed: { type: 'string', default: '1' },
    },
  });
  const here = dirname(fileURLToPath(import.meta.url));
  const dataRoot = process.env.HEED_DATA ?? resolve(here, '../../../../shared/data');
  const models = values.models.split(',').filter(Boolean);
  const directions = values.directions.split(',').filter(Boolean);
  for (const m of models) if (m !== 'transformer' && m !== 'attention') throw new Error(`--models: unknown model "${m}" (transformer, attention)`);
  for (const d of directions) if (d !== 'en-fr' && d !== 'fr-en') throw new Error(`--directions: unknown direction "${d}" (en-fr, fr-en)`);
  const num = (name: string, v: string, integer = false): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
      throw new Error(`--${name} must be a positive ${integer ? 'integer' : 'number'}, got "${v}"`);
    }
    return n;
  };
  return {
    budgetSeconds: num('budget', values.budget) * 60,
    out: resolve(values.out),
    resume: values.resume,
    models,
    directions,
    data: values.data ?? join(dataRoot, 'translation/fra-eng/fra-first10k.txt'),
    pairs: num('pairs', values.pairs, true),
    holdout: num('holdout', values.holdout),
    beam: num('beam', values.beam, true),
    seed: num('seed', values.seed, true),
  };
}

/** D2L's preprocessing: non-breaking spaces to spaces, lower case. */
const prepare = (s: string): string => s.replace(/[\u202f\u00a0]/g, ' ').toLowerCase().trim();

async function readPairs(path: string, limit: number): Promise<Pair[]> {
  const lines = (await readFile(path, 'utf8')).split('\n').filter((l) => l.trim() !== '');
  return lines.slice(0, limit).map((line, i) => {
    const [en, fr] = line.split('\t');
    if (en === undefined || fr === undefined) throw new Error(`${path}:${i + 1}: expected "english<TAB>french"`);
    return { en: prepare(en), fr: prepare(fr) };
  });
}

/** Holds out whole connected components of the graph whose nodes are sentences and edges pairs. */
function split(pairs: readonly Pair[], fraction: number, seed: number): { train: Pair[]; test: Pair[] } {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(x, r);
    return r;
  };
  for (const p of pairs) {
    for (const k of [`e:${p.en}`, `f:${p.fr}`]) if (!parent.has(k)) parent.set(k, k);
    parent.set(find(`e:${p.en}`), find(`f:${p.fr}`));
  }
  const roots = [...new Set(pairs.map((p) => find(`e:${p.en}`)))];
  new Rng(seed).shuffle(roots);
  const held = new Set<string>();
  let count = 0;
  const size = new Map<string, number>();
  for (const p of pairs) size.set(find(`e:${p.en}`), (size.get(find(`e:${p.en}`)) ?? 0) + 1);
  for (const r of roots) {
    if (count >= fraction * pairs.length) break;
    held.add(r);
    count += size.get(r)!;
  }
  return { train: pairs.filter((p) => !held.has(find(`e:${p.en}`))), test: pairs.filter((p) => held.has(find(`e:${p.en}`))) };
}

const words = (tok: Tokenizer, text: string): number[] => tok.encode(text, null, { addSpecialTokens: false }).ids.slice(0, MAX_WORDS);

/** Tokens back to text: words joined by spaces, apostrophes and hyphens re-attached (13a does not split them). */
const detokenize = (tok: Tokenizer, ids: readonly number[]): string => tok.decode([...ids]).replace(/ ?(['’-]) ?/g, '$1');

async function tokenizerFor(dir: string, texts: readonly string[]): Promise<Tokenizer> {
  const path = join(dir, 'tokenizer.json');
  if (existsSync(path)) return fromFile(path);
  const tok = trainWordLevel(texts, { minFrequency: 2, lowercase: false, specialTokens: SPECIALS });
  await mkdir(dir, { recursive: true });
  saveTokenizer(tok, path);
  return tok;
}

function modelConfig(kind: string, srcVocab: number, tgtVocab: number): ModelConfig {
  const ids = { pad_token_id: PAD, bos_token_id: BOS, eos_token_id: EOS };
  if (kind === 'transformer') {
    return {
      architectures: ['Transformer'],
      src_vocab_size: srcVocab,
      tgt_vocab_size: tgtVocab,
      d_model: 64,
      num_heads: 4,
      encoder_layers: 2,
      decoder_layers: 2,
      ffn_dim: 128,
      dropout: 0.1,
      label_smoothing: 0.1,
      max_position_embeddings: 32,
      ...ids,
    };
  }
  return {
    architectures: ['AttentionSeq2Seq'],
    src_vocab_size: srcVocab,
    tgt_vocab_size: tgtVocab,
    embedding_size: 64,
    hidden_size: 96,
    cell: 'gru',
    dropout: 0.1,
    attention: 'bahdanau',
    score: 'additive',
    pad_token_id: PAD,
    bos_token_id: BOS,
    eos_token_id: EOS,
  };
}

/** Linear warm-up, then constant: the number of steps depends on the time budget. */
const schedule = (kind: string): LRSchedule =>
  warmupSchedule({ peak: kind === 'transformer' ? 2e-3 : 3e-3, warmupSteps: 100, totalSteps: 100, decay: 'none' });

/**
 * Trains one run in chunks until its time is spent, checkpointing after each chunk (so
 * `--resume` continues). A chunk is sized from the measured speed to last about a minute
 * (or what is left of the budget).
 */
async function train(
  model: Model,
  kind: string,
  data: BucketedData<Example>,
  dir: string,
  state: RunState,
  seconds: number,
  save: () => Promise<void>,
): Promise<void> {
  const ckpt = join(dir, 'checkpoints');
  let chunk = 10;
  // The first pass always restores the latest checkpoint, even when no training time is left.
  for (let first = true; first || state.trainSeconds < seconds; first = false) {
    const started = performance.now();
    const trainer = new Trainer(model, {
      optimizer: new AdamW(1e-3),
      schedule: schedule(kind),
      maxSteps: state.steps + chunk,
      clipNorm: 1,
      // Every 10 steps: chunks are multiples of 10, so each ends on a checkpoint.
      checkpoint: { dir: ckpt, every: 10 },
      listeners: [
        (e) => {
          if (e.type !== 'step' || e.step % 25 !== 0) return;
          log(`  step ${e.step}: loss ${e.loss.toFixed(3)}, lr ${e.lr.toExponential(2)}, ${e.tokensPerSecond.toFixed(0)} target tokens/s`);
        },
      ],
    });
    if ((await listCheckpoints(ckpt)).length > 0) await trainer.resume(ckpt);
    if (state.trainSeconds >= seconds) {
      trainer.optimizer.dispose?.();
      break;
    }
    const result = await trainer.fit(data);
    trainer.optimizer.dispose?.();
    for (const c of (await listCheckpoints(ckpt)).slice(0, -1)) await rm(c.path, { recursive: true, force: true });
    const took = (performance.now() - started) / 1000;
    state.steps = result.step;
    state.trainSeconds += took;
    await save();
    const rate = result.losses.length / took;
    chunk = 10 * Math.max(1, Math.min(50, Math.round((rate * Math.min(60, seconds - state.trainSeconds)) / 10)));
  }
}

/** What both models decode from: a padded source batch. */
type Translator = Model & Generative<{ inputIds: Tensor; attentionMask: Tensor }>;

async function evaluate(
  model: Translator,
  srcTok: Tokenizer,
  tgtTok: Tokenizer,
  test: readonly { src: string; tgt: string }[],
  beam: number,
): Promise<{ bleu: string; samples: string[] }> {
  model.eval();
  const hyps: string[] = [];
  for (let i = 0; i < test.length; i += 100) {
    const part = test.slice(i, i + 100).map((p) => words(srcTok, p.src));
    const len = Math.max(1, ...part.map((s) => s.length));
    const inputIds = tensor(Int32Array.from(part.flatMap((s) => [...s, ...Array(len - s.length).fill(PAD)])), [part.length, len], 'int32');
    const attentionMask = tensor(part.map((s) => Array.from({ length: len }, (_, j) => j < s.length || (s.length === 0 && j === 0))));
    const search = { beamSize: beam, maxLength: MAX_WORDS + 2, lengthPenalty: { type: 'gnmt', alpha: 0.6 } } as const;
    const out = await beamSearch(model, { inputIds, attentionMask }, search);
    inputIds.dispose();
    attentionMask.dispose();
    for (const h of out) hyps.push(detokenize(tgtTok, h[0]!.tokens));
  }
  const score = corpusBleu(hyps, [test.map((p) => p.tgt)]);
  const samples = [0, 1, 2, 3, 4, 5]
    .map((k) => Math.floor((k * test.length) / 6))
    .map((i) => `${test[i]!.src}  =>  ${hyps[i]}   (reference: ${test[i]!.tgt})`);
  return { bleu: formatBleu(score), samples };
}

async function main(): Promise<void> {
  const o = options();
  const statePath = join(o.out, 'state.json');
  const settings = { data: o.data, pairs: o.pairs, holdout: o.holdout, seed: o.seed, maxWords: MAX_WORDS };
  let state: JobState = { settings, spentSeconds: 0, runs: {} };
  if (existsSync(statePath)) {
    if (!o.resume) throw new Error(`${o.out} holds an earlier job; pass --resume to continue it or choose another --out`);
    state = JSON.parse(await readFile(statePath, 'utf8')) as JobState;
    if (JSON.stringify(state.settings) !== JSON.stringify(settings)) {
      throw new Error(`${statePath} was made with other settings: ${JSON.stringify(state.settings)}`);
    }
    log(`resuming ${o.out}: ${state.spentSeconds.toFixed(0)} s already spent`);
  }
  await mkdir(o.out, { recursive: true });
  const jobStart = performance.now();
  const spentBefore = state.spentSeconds;
  const save = async (): Promise<void> => {
    state.spentSeconds = spentBefore + (performance.now() - jobStart) / 1000;
    await writeFileAtomic(statePath, `${JSON.stringify(state, null, 2)}\n`);
  };

  const pairs = await readPairs(o.data, o.pairs);
  const { train: trainPairs, test: testPairs } = split(pairs, o.holdout, o.seed);
  log(`${pairs.length} pairs from ${o.data}: ${trainPairs.length} for training, ${testPairs.length} held out (whole sentence components)`);

  const runs = o.directions.flatMap((d) => o.models.map((m) => ({ direction: d, kind: m, name: `${m}-${d}` })));
  // Each run trains for an equal share of the budget, less a reserve for its evaluation.
  const evalReserve = 60;
  const perRun = Math.max(30, o.budgetSeconds / runs.length - evalReserve);
  log(`budget ${(o.budgetSeconds / 60).toFixed(1)} min: ${runs.length} runs, ${perRun.toFixed(0)} s of training each`);

  const heed: Heed = await createHeed({ plugins: [cpuBackendModule, layersModule, modelsModule], backend: 'cpu', setActive: true });
  for (const run of runs) {
    const [from, to] = run.direction === 'en-fr' ? (['en', 'fr'] as const) : (['fr', 'en'] as const);
    const dir = join(o.out, run.name);
    const rs: RunState = (state.runs[run.name] ??= { trainSeconds: 0, steps: 0, done: false });
    if (rs.done) {
      log(`${run.name}: finished earlier after ${rs.steps} steps (${rs.trainSeconds.toFixed(0)} s): ${rs.bleu}`);
      for (const s of rs.samples ?? []) log(`  ${s}`);
      continue;
    }
    const srcTok = await tokenizerFor(join(o.out, `tokenizer-${from}`), trainPairs.map((p) => p[from]));
    const tgtTok = await tokenizerFor(join(o.out, `tokenizer-${to}`), trainPairs.map((p) => p[to]));
    const examples: Example[] = trainPairs
      .map((p) => ({ source: words(srcTok, p[from]), target: words(tgtTok, p[to]) }))
      .filter((e) => e.source.length > 0 && e.target.length > 0);
    const data = new BucketedData(examples, {
      tokenBudget: 1536,
      batchSize: 128,
      seed: o.seed,
      length: (e) => Math.max(e.source.length, e.target.length + 1),
      collate: seq2seqCollate({ padId: PAD, bosId: BOS, eosId: EOS }),
    });
    const model = createModel(heed, modelConfig(run.kind, srcTok.getVocabSize(), tgtTok.getVocabSize()), { seed: o.seed });
    log(
      `${run.name}: ${model.modelType}, ${model.parameterCount()} parameters, ` +
        `vocabularies ${srcTok.getVocabSize()} (${from}) / ${tgtTok.getVocabSize()} (${to}), ` +
        `${data.batchesPerEpoch} batches per epoch; training for ${Math.max(0, perRun - rs.trainSeconds).toFixed(0)} s more`,
    );
    await train(model, run.kind, data, dir, rs, perRun, save);
    await saveModel(model, join(dir, 'model'));
    log(`${run.name}: trained ${rs.steps} steps in ${rs.trainSeconds.toFixed(0)} s; decoding ${testPairs.length} held-out sentences, beam ${o.beam}`);
    const t0 = performance.now();
    const result = await evaluate(model as Translator, srcTok, tgtTok, testPairs.map((p) => ({ src: p[from], tgt: p[to] })), o.beam);
    log(`${run.name}: ${result.bleu}  [sacreBLEU 13a, exp smoothing, lower-cased; decoding took ${((performance.now() - t0) / 1000).toFixed(0)} s]`);
    for (const s of result.samples) log(`  ${s}`);
    Object.assign(rs, { done: true, bleu: result.bleu, samples: result.samples });
    await save();
    model.dispose();
  }
  log('summary:');
  for (const run of runs) {
    const r = state.runs[run.name]!;
    log(`  ${run.name.padEnd(22)} ${r.steps} steps, ${r.trainSeconds.toFixed(0)} s: ${r.bleu}`);
  }
  log(`total time ${(state.spentSeconds / 60).toFixed(1)} min`);
  heed.dispose();
  await writeFile(join(o.out, 'DONE'), `${new Date().toISOString()}\n`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
