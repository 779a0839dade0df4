/**
 * Checkpoints and resume: bit-identical losses after resuming on the CPU; checkpoints of another model, config or schedule
 * are refused and nothing is overwritten.
 */
import { cp, mkdtemp, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdamW, CheckpointError, type Heed } from '@heed/core';
import { loadTensors, saveTensors } from '@heed/core/node';
import { ResumeError, Trainer, warmupSchedule, type LRSchedule } from '../src/index.js';
import { StreamingData, listCheckpoints, readModelConfig } from '../src/node.js';
import { Tagger, sequences, tagBatch, tagData, type TaggerConfig } from './training-helpers.js';
import { testHeed } from './helpers.js';

const V = 20;
const CONFIG: TaggerConfig = { vocab: V, hidden: 16, dropout: 0.2 };
let heed: Heed;
beforeAll(async () => {
  heed = await testHeed('cpu');
});
afterAll(() => heed.dispose());

const schedule = (): LRSchedule => warmupSchedule({ peak: 0.01, warmupSteps: 5, totalSteps: 40, decay: 'cosine' });
const data = (): ReturnType<typeof tagData> => tagData(sequences(120, V, 21), V, 80, 22);
/** A trainer with dropout, shuffled bucketed data, accumulation, clipping, a schedule and early-stopping state: everything a resume must restore. */
const trainerFor = (model: Tagger, maxSteps: number, dir?: string, log?: string): Trainer<Tagger> =>
  new Trainer(model, {
    optimizer: new AdamW(0.01, { weightDecay: 0.05 }),
    schedule: schedule(),
    maxSteps,
    accumulate: 2,
    clipNorm: 1,
    evaluate: { every: 4, metric: () => 1 },
    ...(dir ? { checkpoint: { dir, every: 7 } } : {}),
    ...(log ? { logFile: log } : {}),
  });
const weights = (m: Tagger): number[][] => m.parameters().map((p) => Array.from(p.dataSync()));
const listing = async (dir: string): Promise<string[]> => {
  const out: string[] = [];
  for (const c of await readdir(dir, { recursive: true })) out.push(`${c}:${(await stat(join(dir, c))).mtimeMs}`);
  return out.sort();
};

describe('checkpoints and resume', () => {
  it('losses after resuming are bit-identical to an uninterrupted run (CPU), across epochs, with dropout and accumulation', async () => {
    const full = new Tagger(CONFIG, { seed: 30 });
    const fullTrainer = trainerFor(full, 30);
    const uninterrupted = await fullTrainer.fit(data());

    const dir = await mkdtemp(join(tmpdir(), 'heed-run-'));
    const log = join(dir, 'log.jsonl');
    const first = new Tagger(CONFIG, { seed: 30 });
    const firstTrainer = trainerFor(first, 14, dir, log);
    const part1 = await firstTrainer.fit(data());
    expect(part1.losses).toEqual(uninterrupted.losses.slice(0, 14));
    expect(part1.checkpoints.map((p) => p.split('/').at(-1))).toEqual(['checkpoint-00000007', 'checkpoint-00000014']);
    expect((await readdir(dir)).sort()).toEqual(['checkpoint-00000007', 'checkpoint-00000014', 'log.jsonl']); // no temporary directories left
    expect((await readdir(join(dir, 'checkpoint-00000014'))).sort()).toEqual(['model', 'optimizer.safetensors', 'trainer.json']);
    const json = JSON.parse(await readFile(join(dir, 'checkpoint-00000014', 'trainer.json'), 'utf8'));
    const model = { ...CONFIG, architectures: ['Tagger'] };
    expect(json).toMatchObject({ step: 14, schedule: schedule().config, optimizer: { type: 'adam', step: 14 }, model });
    expect(json.epoch).toBeGreaterThanOrEqual(1); // the interruption falls after an epoch boundary…
    expect(json.cursor).not.toBeNull(); // …and inside an epoch
    // The checkpoint's model directory loads like any model directory.
    expect(await readModelConfig(join(dir, 'checkpoint-00000014', 'model'))).toEqual({ ...CONFIG, architectures: ['Tagger'] });

    // A new process: a model initialised differently, a fresh optimizer, then resume.
    const second = new Tagger(CONFIG, { seed: 999 });
    const secondTrainer = trainerFor(second, 30, dir, log);
    await secondTrainer.resume(dir);
    expect(secondTrainer.steps).toBe(14);
    const part2 = await secondTrainer.fit(data());
    expect(part2.losses).toEqual(uninterrupted.losses.slice(14));
    expect(weights(second)).toEqual(weights(full));
    const n = part2.losses.length;
    console.log(`[trainer] resume: ${n} losses after resuming at step 14 bit-identical to the uninterrupted run (last ${part2.losses.at(-1)})`);
    expect(part2.checkpoints.map((p) => p.split('/').at(-1))).toEqual(['checkpoint-00000021', 'checkpoint-00000028']);
    const events = (await readFile(log, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(events.filter((e) => e.type === 'step').map((e) => e.step)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(events.filter((e) => e.type === 'start').map((e) => [e.step, e.resumed])).toEqual([[0, false], [14, true]]);
    expect(events.every((e) => typeof e.time === 'string')).toBe(true);
    // Resuming from a specific checkpoint directory works too.
    const third = new Tagger(CONFIG, { seed: 5 });
    const thirdTrainer = trainerFor(third, 14);
    await thirdTrainer.resume(join(dir, 'checkpoint-00000007'));
    expect((await thirdTrainer.fit(data())).losses).toEqual(uninterrupted.losses.slice(7, 14));
    for (const t of [fullTrainer, firstTrainer, secondTrainer, thirdTrainer]) t.optimizer.dispose();
    for (const m of [full, first, second, third]) m.dispose();
  });

  it('resuming mid-file from data streamed off disk (byte-offset cursors) is bit-identical too', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'heed-stream-'));
    const file = join(dir, 'train.txt');
    await writeFile(file, `${sequences(150, V, 60).map((s) => s.join(' ')).join('\n')}\n`);
    const streamed = (): StreamingData<number[]> =>
      new StreamingData(file, {
        parse: (l) => (l ? l.split(' ').map(Number) : undefined),
        length: (s) => s.length,
        collate: (ss) => tagBatch(ss, V),
        tokenBudget: 60,
        poolSize: 40,
        seed: 61,
      });
    const full = new Tagger(CONFIG, { seed: 62 });
    const fullTrainer = trainerFor(full, 40);
    const uninterrupted = await fullTrainer.fit(streamed());
    const runDir = join(dir, 'run');
    const a = new Tagger(CONFIG, { seed: 62 });
    const ta = trainerFor(a, 21, runDir);
    await ta.fit(streamed());
    const cursor = JSON.parse(await readFile(join(runDir, 'checkpoint-00000021', 'trainer.json'), 'utf8')).cursor;
    expect(cursor.offset).toBeGreaterThan(0); // inside the file, not at a pool boundary of the first epoch's start
    const b = new Tagger(CONFIG, { seed: 63 });
    const tb = trainerFor(b, 40, runDir);
    await tb.resume(runDir);
    expect((await tb.fit(streamed())).losses).toEqual(uninterrupted.losses.slice(21));
    for (const t of [fullTrainer, ta, tb]) t.optimizer.dispose();
    for (const m of [full, a, b]) m.dispose();
  });

  it('a checkpoint of another model type, config or schedule is refused naming the difference; nothing changes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'heed-run-'));
    const model = new Tagger(CONFIG, { seed: 40 });
    const t = trainerFor(model, 7, dir);
    await t.fit(data());
    const files = await listing(dir);

    class OtherTagger extends Tagger {
      override readonly modelType = 'OtherTagger';
    }
    const cases: [Tagger, LRSchedule, RegExp][] = [
      [new Tagger({ ...CONFIG, hidden: 8 }, { seed: 41 }), schedule(), /checkpoint of another Tagger config: hidden: 16 in the checkpoint, 8 here/],
      [
        new OtherTagger(CONFIG, { seed: 41 }),
        schedule(),
        /checkpoint of a Tagger model, this is a OtherTagger: architectures.0: "Tagger" in the checkpoint, "OtherTagger" here/,
      ],
      [
        new Tagger(CONFIG, { seed: 41 }),
        warmupSchedule({ peak: 0.01, warmupSteps: 5, totalSteps: 80, decay: 'cosine' }),
        /another learning-rate schedule: totalSteps: 40 in the checkpoint, 80 here/,
      ],
    ];
    for (const [m, s, message] of cases) {
      const before = weights(m);
      const rngBefore = m.rng.getState();
      const trainer = new Trainer(m, { optimizer: new AdamW(0.01), schedule: s, maxSteps: 10 });
      const err = await trainer.resume(dir).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ResumeError);
      expect(err).toBeInstanceOf(CheckpointError);
      expect((err as Error).message).toMatch(message);
      expect(weights(m)).toEqual(before);
      expect(m.rng.getState()).toEqual(rngBefore);
      expect(trainer.steps).toBe(0);
      trainer.optimizer.dispose();
      m.dispose();
    }
    expect(await listing(dir)).toEqual(files);
    // Optimizer state that does not fit the model: the weights loaded first are put back.
    const broken = await mkdtemp(join(tmpdir(), 'heed-broken-'));
    await cp(join(dir, 'checkpoint-00000007'), join(broken, 'checkpoint-00000007'), { recursive: true });
    const opt = join(broken, 'checkpoint-00000007', 'optimizer.safetensors');
    const { tensors } = await loadTensors(opt);
    await saveTensors(opt, new Map([...tensors].map(([k, v]) => [k.replace('out.weight', 'head.weight'), v])));
    for (const v of tensors.values()) v.dispose();
    const victim = new Tagger(CONFIG, { seed: 42 });
    const before = weights(victim);
    const vt = trainerFor(victim, 10);
    await expect(vt.resume(broken)).rejects.toThrow(/state keys match no parameter or slot \(m, v\): head\.weight\/m/);
    expect(weights(victim)).toEqual(before);
    vt.optimizer.dispose();
    victim.dispose();
    t.optimizer.dispose();
    model.dispose();
  });

  it('a fresh run into a directory that holds checkpoints is refused before training; nothing is overwritten', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'heed-run-'));
    const model = new Tagger(CONFIG, { seed: 50 });
    const t = trainerFor(model, 7, dir);
    await t.fit(data());
    const files = await listing(dir);
    const again = new Tagger(CONFIG, { seed: 51 });
    const before = weights(again);
    const fresh = trainerFor(again, 14, dir);
    await expect(fresh.fit(data())).rejects.toThrow(
      /already holds checkpoints of a run \(7\); resume from it or use another directory \(nothing was overwritten\)/,
    );
    expect(weights(again)).toEqual(before);
    expect(await listing(dir)).toEqual(files);
    // Resuming from an earlier checkpoint while a later one exists would overwrite it: refused too.
    const dir2 = await mkdtemp(join(tmpdir(), 'heed-run-'));
    const m2 = new Tagger(CONFIG, { seed: 52 });
    const t2 = trainerFor(m2, 14, dir2);
    await t2.fit(data());
    const m3 = new Tagger(CONFIG, { seed: 53 });
    const t3 = trainerFor(m3, 20, dir2);
    await t3.resume(join(dir2, 'checkpoint-00000007'));
    await expect(t3.fit(data())).rejects.toThrow(/already holds checkpoints of later steps \(14\)/);
    expect((await listCheckpoints(dir2)).map((c) => c.step)).toEqual([7, 14]);
    const empty = await mkdtemp(join(tmpdir(), 'heed-empty-'));
    const m4 = new Tagger(CONFIG);
    await expect(trainerFor(m4, 5).resume(empty)).rejects.toThrow(/no training checkpoint here/);
    m4.dispose();
    for (const x of [t, fresh, t2, t3]) x.optimizer.dispose();
    for (const m of [model, again, m2, m3]) m.dispose();
  });
});
