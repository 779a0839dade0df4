/** Shared pieces of the recurrent learning tests: the reversal task, a batch source for the Trainer, decoding accuracy, timing. */
import { Adam, Rng, tensor, type Tensor } from '@heed/core';
import { Trainer, beamSearch, greedy, padSequences } from '../src/index.js';
import type { BatchSource, DataCursor, HostBatch, Model, PositionedBatch, RecurrentSeq2SeqBase, FullSeq2SeqConfig } from '../src/index.js';

/** Special ids of the reversal task's target vocabulary; symbols are 3 … 3 + SYMBOLS − 1. */
export const PAD = 0;
export const BOS = 1;
export const EOS = 2;
export const SYMBOLS = 10;
export const VOCAB = 3 + SYMBOLS;

/** `n` random sequences of `len` symbols and their reversals. */
export function reversalData(rng: Rng, n: number, len: number): { src: number[][]; tgt: number[][] } {
  const src = Array.from({ length: n }, () => Array.from({ length: len }, () => 3 + rng.int(SYMBOLS)));
  return { src, tgt: src.map((s) => [...s].reverse()) };
}

/** An int32 [rows, cols] tensor. */
export const ids = (rows: number[][]): Tensor => tensor(Int32Array.from(rows.flat()), [rows.length, rows[0]!.length], 'int32');

/**
 * Training data that yields `make(k)` for k = 0, 1, … until `stop()` is called (then the
 * epoch ends), so a Trainer with `epochs: 1` trains until its metric reaches a target.
 */
export class UntilStopped implements BatchSource {
  private stopped = false;
  constructor(private readonly make: (k: number) => HostBatch) {}

  /** Ends the current epoch after the batch being trained on. */
  stop(): void {
    this.stopped = true;
  }

  *batches(_epoch: number, from?: DataCursor): Iterable<PositionedBatch> {
    for (let k = from?.batch ?? 0; !this.stopped; k++) yield { batch: this.make(k), cursor: { batch: k + 1 } };
  }
}

/** Reversal batches of `size` × `len` from a seeded generator: inputIds and labels (the reversal + EOS). */
export function reversalBatches(seed: number, size: number, len: number): (k: number) => HostBatch {
  const rng = new Rng(seed);
  return () => {
    const { src, tgt } = reversalData(rng, size, len);
    return { inputIds: padSequences(src), labels: padSequences(tgt.map((t) => [...t, EOS])) };
  };
}

type S2S = RecurrentSeq2SeqBase<FullSeq2SeqConfig>;

/** Decodes `src` (beam search with `beamSize`, or greedy) → whole-sequence and token accuracy against `tgt`. */
export async function reversalAccuracy(model: S2S, src: number[][], tgt: number[][], beamSize = 0): Promise<{ sequence: number; token: number }> {
  const input = ids(src);
  const maxLength = tgt[0]!.length + 1;
  const source = { inputIds: input };
  const hyps = beamSize > 0 ? await beamSearch(model, source, { beamSize, maxLength }) : await greedy(model, source, { maxLength });
  input.dispose();
  let seq = 0;
  let tok = 0;
  hyps.forEach((h, i) => {
    const p = h[0]!.tokens;
    const want = tgt[i]!;
    if (p.length === want.length && p.every((v, t) => v === want[t])) seq++;
    want.forEach((v, t) => (tok += p[t] === v ? 1 : 0));
  });
  return { sequence: seq / src.length, token: tok / (src.length * tgt[0]!.length) };
}

/**
 * Trains `model` with the Trainer (Adam, clipping at norm 1) on `data` until `metric`,
 * evaluated every `every` steps, reaches `target` (or `maxSteps`); logs each evaluation.
 */
export async function trainUntil<M extends Model>(
  model: M,
  data: UntilStopped,
  options: {
    lr: number;
    every: number;
    maxSteps: number;
    metric: (m: M) => Promise<number>;
    target: (v: number) => boolean;
    log: (step: number, v: number) => void;
  },
): Promise<{ steps: number; metric: number }> {
  const optimizer = new Adam(options.lr);
  let last = NaN;
  const trainer = new Trainer(model, {
    optimizer,
    clipNorm: 1,
    epochs: 1,
    maxSteps: options.maxSteps,
    evaluate: {
      every: options.every,
      mode: 'max',
      metric: async (m) => {
        last = await options.metric(m);
        options.log(trainer.steps, last);
        if (options.target(last)) data.stop();
        return last;
      },
    },
  });
  const result = await trainer.fit(data);
  optimizer.dispose();
  return { steps: result.step, metric: last };
}

/** Wall-clock and process CPU seconds since `start` (CPU counts every thread). */
export function elapsed(start: { wall: number; cpu: NodeJS.CpuUsage }): string {
  const cpu = process.cpuUsage(start.cpu);
  return `${((performance.now() - start.wall) / 1000).toFixed(1)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s CPU`;
}

/** A start mark for `elapsed`. */
export const startClock = (): { wall: number; cpu: NodeJS.CpuUsage } => ({ wall: performance.now(), cpu: process.cpuUsage() });
