/** Shared pieces of the recurrent learning tests: the reversal task, a training loop, decoding accuracy. */
import { Adam, Rng, clipGradNorm, tensor, variableGrads, type Heed, type Tensor } from '@heed/core';
import { beamSearch, greedy, type RecurrentSeq2SeqBase, type FullSeq2SeqConfig } from '../src/index.js';

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

type S2S = RecurrentSeq2SeqBase<FullSeq2SeqConfig>;

/** One Adam step on a batch of the reversal task (labels = reversal + EOS); returns the loss. */
export function trainStep(heed: Heed, model: S2S, opt: Adam, src: number[][], tgt: number[][]): number {
  return heed.tidy(() => {
    const { value, grads } = variableGrads(() => model.forward({ inputIds: ids(src), labels: ids(tgt.map((t) => [...t, EOS])) }).loss!, model.trainableParameters());
    opt.step(clipGradNorm(grads, 1).grads);
    return value.dataSync()[0]!;
  });
}

/** Decodes `src` (beam search with `beamSize`, or greedy) → whole-sequence and token accuracy against `tgt`. */
export async function reversalAccuracy(model: S2S, src: number[][], tgt: number[][], beamSize = 0): Promise<{ sequence: number; token: number }> {
  model.eval();
  const input = ids(src);
  const maxLength = tgt[0]!.length + 1;
  const out = beamSize > 0 ? (await beamSearch(model, { inputIds: input }, { beamSize, maxLength })).map((h) => h[0]!.tokens) : (await greedy(model, { inputIds: input }, { maxLength })).map((h) => h[0]!.tokens);
  input.dispose();
  model.train();
  let seq = 0;
  let tok = 0;
  out.forEach((p, i) => {
    const want = tgt[i]!;
    if (p.length === want.length && p.every((v, t) => v === want[t])) seq++;
    want.forEach((v, t) => (tok += p[t] === v ? 1 : 0));
  });
  return { sequence: seq / src.length, token: tok / (src.length * tgt[0]!.length) };
}

/** Wall-clock and process CPU seconds since `start` (CPU counts every thread, so it is the figure for an idle machine). */
export function elapsed(start: { wall: number; cpu: NodeJS.CpuUsage }): string {
  const cpu = process.cpuUsage(start.cpu);
  return `${((performance.now() - start.wall) / 1000).toFixed(1)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s CPU`;
}

/** A start mark for `elapsed`. */
export const startClock = (): { wall: number; cpu: NodeJS.CpuUsage } => ({ wall: performance.now(), cpu: process.cpuUsage() });
