/** Learning test: the Transformer learns to reverse 10-token sequences, decoded by beam search, to ≥ 99% whole-sequence accuracy. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AdamW, Rng, tensor, type Heed, type Tensor } from '@heed/core';
import { Trainer, Transformer, beamSearch, warmupSchedule, type HostBatch } from '../src/index.js';
import { testHeed } from './helpers.js';

// CPU only: hundreds of training steps are far too slow on the software WebGPU adapter.
let heed: Heed;
beforeAll(async () => {
  heed = await testHeed('cpu');
});
afterAll(() => heed.dispose());

const LEN = 10;
const SYMBOLS = 10;
const FIRST = 3; // ids 0, 1, 2 are pad, BOS, EOS
const EOS = 2;
const STEPS = 300;

function sequences(rng: Rng, n: number): number[][] {
  return Array.from({ length: n }, () => Array.from({ length: LEN }, () => FIRST + rng.int(SYMBOLS)));
}

/** A batch of `n` fresh sequences: the source and its reversal + EOS as labels. */
function batch(rng: Rng, n: number): HostBatch {
  const src = sequences(rng, n);
  return {
    inputIds: { data: Int32Array.from(src.flat()), shape: [n, LEN] },
    labels: { data: Int32Array.from(src.flatMap((s) => [...s].reverse().concat(EOS))), shape: [n, LEN + 1] },
  };
}

const ids = (rows: number[][]): Tensor => tensor(Int32Array.from(rows.flat()), [rows.length, rows[0]!.length], 'int32');

it('Transformer reverses 10-token sequences: ≥ 99% whole-sequence accuracy by beam search', async () => {
  const vocab = FIRST + SYMBOLS;
  const model = new Transformer(
    {
      src_vocab_size: vocab,
      tgt_vocab_size: vocab,
      share_embeddings: true,
      max_position_embeddings: 16,
      d_model: 32,
      num_heads: 4,
      encoder_layers: 2,
      decoder_layers: 2,
      ffn_dim: 64,
      dropout: 0,
    },
    { seed: 3 },
  );
  const rng = new Rng(4);
  const data = Array.from({ length: STEPS }, () => batch(rng, 64));
  const test = sequences(new Rng(98), 200);
  const wall = performance.now();
  const cpu0 = process.cpuUsage();
  const trainer = new Trainer(model, {
    optimizer: new AdamW(4e-3),
    schedule: warmupSchedule({ peak: 4e-3, warmupSteps: 100, totalSteps: STEPS, floor: 1e-4 }),
    maxSteps: STEPS,
    clipNorm: 1,
  });
  const result = await trainer.fit(data);
  model.eval();
  const input = ids(test);
  const hyps = await beamSearch(model, { inputIds: input }, { beamSize: 4, maxLength: LEN + 1 });
  input.dispose();
  let ok = 0;
  hyps.forEach((h, i) => (ok += h[0]!.finished && h[0]!.tokens.join() === [...test[i]!].reverse().join() ? 1 : 0));
  const acc = ok / test.length;
  const cpu = process.cpuUsage(cpu0);
  console.log(
    `[learn-transformer] reverse, 10 tokens, beam 4: ${(acc * 100).toFixed(1)}% whole-sequence accuracy on ${test.length} held-out sequences ` +
      `after ${result.step} steps (final loss ${result.losses.at(-1)!.toFixed(4)}) ` +
      `in ${((performance.now() - wall) / 1000).toFixed(1)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s CPU`,
  );
  expect(acc).toBeGreaterThanOrEqual(0.99);

  // Cross-attention for a decoded sentence (the plot of D2L): target step t should read source position LEN-1-t.
  const one = ids([test[0]!]);
  const decoded = ids([[1, ...hyps[0]![0]!.tokens]]);
  const { crossAttentions } = model.forward({ inputIds: one, decoderInputIds: decoded }, { outputAttentions: true });
  const mirrored = await Promise.all(
    crossAttentions!.map(async (w) => {
      const [, heads, tq, tk] = w.shape as [number, number, number, number];
      const v = await w.data();
      let hits = 0;
      for (let t = 0; t < LEN; t++) {
        const avg = Array.from({ length: tk }, (_, j) => {
          let sum = 0;
          for (let h = 0; h < heads; h++) sum += v[(h * tq + t) * tk + j]!;
          return sum / heads;
        });
        hits += avg.indexOf(Math.max(...avg)) === LEN - 1 - t ? 1 : 0;
      }
      return hits / LEN;
    }),
  );
  const shares = mirrored.map((m) => `${(m * 100).toFixed(0)}%`).join(', ');
  console.log(`[learn-transformer] cross-attention peaks on the mirrored source position: ${shares} of steps (by layer)`);
  expect(Math.max(...mirrored)).toBeGreaterThanOrEqual(0.8);
  one.dispose();
  decoded.dispose();
  trainer.optimizer.dispose?.();
  model.dispose();
});
