/** The Trainer end to end on the CPU: the loss falls, events, clipping, schedules, memory, accumulation, early stopping, bad input. */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdamW, ArgumentError, SGD, type Heed } from '@heed/core';
import { ListSource, Trainer, warmupSchedule, type TrainerEvent } from '../src/index.js';
import { progressRenderer } from '../src/node.js';
import { Tagger, sequences, tagAccuracy, tagBatch, tagData } from './training-helpers.js';
import { testHeed } from './helpers.js';

const V = 24;
let heed: Heed;
beforeAll(async () => {
  heed = await testHeed('cpu');
});
afterAll(() => heed.dispose());

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('Trainer', () => {
  it('learns a tagging task: the loss falls, held-out accuracy is high, events carry step, loss, lr, tokens/s and ETA', async () => {
    const model = new Tagger({ vocab: V, hidden: 32, dropout: 0.1 }, { seed: 1 });
    const events: TrainerEvent[] = [];
    const schedule = warmupSchedule({ peak: 0.02, warmupSteps: 10, totalSteps: 150 });
    const trainer = new Trainer(model, { optimizer: new AdamW(0.02), schedule, maxSteps: 150, clipNorm: 1, listeners: [(e) => void events.push(e)] });
    const t0 = performance.now();
    const r = await trainer.fit(tagData(sequences(400, V, 2), V, 96, 3));
    const seconds = (performance.now() - t0) / 1000;
    expect(r.reason).toBe('maxSteps');
    expect(r.step).toBe(150);
    expect(r.losses.length).toBe(150);
    const first = mean(r.losses.slice(0, 5));
    const last = mean(r.losses.slice(-10));
    model.eval();
    const acc = await tagAccuracy(model, sequences(100, V, 99));
    const accText = `held-out token accuracy ${(acc * 100).toFixed(1)}%`;
    console.log(`[trainer] tagger: loss ${first.toFixed(3)} -> ${last.toFixed(3)}, ${accText}, 150 steps in ${seconds.toFixed(2)} s`);
    expect(last).toBeLessThan(first * 0.1);
    expect(acc).toBeGreaterThan(0.99);
    const steps = events.filter((e) => e.type === 'step');
    expect(events[0]).toMatchObject({ type: 'start', step: 0, epoch: 0, totalSteps: 150, resumed: false });
    expect(events.at(-1)).toMatchObject({ type: 'end', step: 150, reason: 'maxSteps' });
    expect(steps.map((e) => e.lr)).toEqual(Array.from({ length: 150 }, (_, i) => schedule.at(i + 1)));
    for (const e of steps) {
      expect(e.tokens).toBeGreaterThan(0);
      expect(e.tokensPerSecond).toBeGreaterThan(0);
      expect(e.gradNorm).toBeGreaterThan(0);
      expect(e.eta).toBeGreaterThanOrEqual(0);
    }
    expect(steps.at(-1)!.eta).toBe(0);
    // The data ran over several epochs (~38 batches each) in a new order each time.
    expect(r.epoch).toBeGreaterThanOrEqual(3);
    model.dispose();
    trainer.optimizer.dispose();
  });

  it('owns every tensor: memory is flat over hundreds of steps with accumulation and clipping', async () => {
    const model = new Tagger({ vocab: V, hidden: 16, dropout: 0.2 }, { seed: 4 });
    const data = tagData(sequences(200, V, 5), V, 64, 6);
    const trainer = new Trainer(model, { optimizer: new AdamW(0.01), maxSteps: 20, accumulate: 2, clipNorm: 0.5 });
    await trainer.fit(data);
    const before = heed.memory();
    const more = new Trainer(model, { optimizer: trainer.optimizer, maxSteps: 300, accumulate: 2, clipNorm: 0.5 });
    await more.fit(data);
    const after = heed.memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
    expect(after.backend.buffers).toBe(before.backend.buffers);
    trainer.optimizer.dispose();
    model.dispose();
  });

  it('gradient accumulation: k micro-batches make the same update as one batch holding them all', async () => {
    const seqs = sequences(12, V, 7);
    const micro = [seqs.slice(0, 3), seqs.slice(3, 8), seqs.slice(8)];
    const big = new Tagger({ vocab: V, hidden: 16, dropout: 0 }, { seed: 8 });
    const acc = new Tagger({ vocab: V, hidden: 16, dropout: 0 }, { seed: 8 });
    const a = await new Trainer(big, { optimizer: new SGD(0.5), maxSteps: 1 }).fit([tagBatch(seqs, V)]);
    const b = await new Trainer(acc, { optimizer: new SGD(0.5), maxSteps: 1, accumulate: 3 }).fit(micro.map((s) => tagBatch(s, V)));
    expect(b.step).toBe(1);
    expect(Math.abs(b.losses[0]! - a.losses[0]!)).toBeLessThan(1e-6 * a.losses[0]!);
    let worst = 0;
    let moved = 0;
    const init = new Tagger({ vocab: V, hidden: 16, dropout: 0 }, { seed: 8 });
    const [ps, qs, p0s] = [big.parameters(), acc.parameters(), init.parameters()];
    for (let k = 0; k < ps.length; k++) {
      const x = ps[k]!.dataSync();
      const y = qs[k]!.dataSync();
      const x0 = p0s[k]!.dataSync();
      for (let i = 0; i < x.length; i++) {
        worst = Math.max(worst, Math.abs(x[i]! - y[i]!) / Math.max(1e-3, Math.abs(x[i]! - x0[i]!)));
        moved = Math.max(moved, Math.abs(x[i]! - x0[i]!));
      }
    }
    console.log(`[trainer] accumulation: worst relative difference of the update ${worst.toExponential(2)} (largest update ${moved.toFixed(3)})`);
    expect(moved).toBeGreaterThan(1e-2);
    expect(worst).toBeLessThan(1e-4);
    for (const m of [big, acc, init]) m.dispose();
  });

  it('evaluates every N steps in eval mode and stops early after `patience` evaluations without improvement', async () => {
    const live = heed.memory().numTensors;
    const model = new Tagger({ vocab: V, hidden: 8, dropout: 0.1 }, { seed: 9 });
    const scripted = [0.5, 0.7, 0.65, 0.69, 0.6, 0.9];
    const modes: boolean[] = [];
    const trainer = new Trainer(model, {
      optimizer: new AdamW(0.01),
      maxSteps: 100,
      evaluate: { every: 3, mode: 'max', patience: 3, metric: (m) => (modes.push(m.training), scripted[modes.length - 1]!) },
    });
    const r = await trainer.fit(tagData(sequences(100, V, 10), V, 64, 11));
    expect(r.reason).toBe('earlyStopping');
    expect(r.step).toBe(15);
    expect(r.evaluations).toEqual([3, 6, 9, 12, 15].map((step, i) => ({ step, metric: scripted[i] })));
    expect(r.best).toEqual({ step: 6, metric: 0.7 });
    expect(modes).toEqual([false, false, false, false, false]);
    expect(model.training).toBe(true);
    trainer.dispose();
    model.dispose();
    expect(heed.memory().numTensors).toBe(live); // the trainer's optimizer state is gone with it
  });

  it('renders plain progress lines without a TTY, and a cli-progress bar on one', async () => {
    const capture = (isTTY: boolean): { stream: Writable & { isTTY: boolean; columns: number }; text: () => string } => {
      let out = '';
      const stream = Object.assign(new Writable({ write: (c, _e, cb) => ((out += String(c)), cb()) }), { isTTY, columns: 120 });
      return { stream, text: () => out };
    };
    for (const tty of [false, true]) {
      const { stream, text } = capture(tty);
      const model = new Tagger({ vocab: V, hidden: 8, dropout: 0 }, { seed: 12 });
      const trainer = new Trainer(model, { optimizer: new AdamW(0.01), maxSteps: 20, listeners: [progressRenderer({ stream, every: 5 })] });
      await trainer.fit(new ListSource([tagBatch(sequences(8, V, 13), V)]));
      const out = text();
      if (tty) {
        expect(out).toMatch(/20\/20 \| loss \d\.\d{4} \| lr 1\.00e-2 \| [\d,]+ tok\/s \| ETA 0s/);
        expect(out).toContain('\u001b['); // cursor control from cli-progress
      } else {
        const lines = out.trim().split('\n');
        expect(lines[0]).toBe('training at step 0, epoch 0 of 20 steps');
        expect(lines.slice(1, 5).map((l) => l.split('  ')[0])).toEqual(['step 5/20', 'step 10/20', 'step 15/20', 'step 20/20']);
        expect(lines[1]).toMatch(/^step 5\/20 {2}epoch 4 {2}loss \d\.\d{4} {2}lr 1\.00e-2 {2}[\d,]+ tok\/s {2}ETA \d+s$/);
        expect(lines.at(-1)).toMatch(/^stopped at step 20 \(maxSteps\) after \d+s$/);
        expect(out).not.toContain('\u001b[');
      }
      trainer.optimizer.dispose();
      model.dispose();
    }
  });

  it('bad input: options, data and a model without a loss are typed errors naming the problem', async () => {
    const model = new Tagger({ vocab: V, hidden: 8, dropout: 0 }, { seed: 14 });
    expect(() => new Trainer(model, { maxSteps: 0 })).toThrow(/maxSteps must be a positive integer, got 0/);
    expect(() => new Trainer(model, { accumulate: 1.5 })).toThrow(ArgumentError);
    expect(() => new Trainer(model, { clipNorm: -1 })).toThrow(/clipNorm must be > 0/);
    const t = new Trainer(model, { maxSteps: 2 });
    await expect(t.fit({} as never)).rejects.toThrow(/data must be a BatchSource/);
    const noLabels = { inputIds: tagBatch([[1, 2]], V).inputIds! };
    await expect(t.fit([noLabels])).rejects.toThrow(/Tagger.forward returned no loss for a batch of inputIds \(do the batches carry labels\?\)/);
    const before = heed.memory().numTensors;
    const badLabels = { ...noLabels, labels: { data: Int32Array.of(1, 99), shape: [1, 2] } };
    await expect(t.fit([badLabels])).rejects.toThrow(/label 99 in row 1 is out of range \[0, 24\)/);
    expect(heed.memory().numTensors).toBe(before); // a failing step frees what it made
    t.optimizer.dispose();
    model.dispose();
  });
});
