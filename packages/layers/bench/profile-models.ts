/**
 * A loop over one of `pnpm bench models`' Heed workloads, for CPU profiles (not a bench: no
 * peers, prints the median). From the repository root:
 *
 *   node --conditions=source --import tsx --cpu-prof --cpu-prof-dir=/tmp/prof \
 *     packages/layers/bench/profile-models.ts <small|bert|bert8|lstm|lstm-train|encoder-train> [runs] [threads]
 */
import { Adam, createHeed, mean, randomNormal, square, sub, variableGrads, type Tensor } from '@heed/core';
import { cpuBackendModuleWith } from '@heed/backend-cpu';
import { LSTM, TransformerEncoder, type Module } from '../src/index.js';

const [what = 'small', runsArg = '20', threadsArg] = process.argv.slice(2);
const heed = await createHeed({ plugins: [cpuBackendModuleWith(threadsArg ? { threads: Number(threadsArg) } : {})], setActive: true });
const encoder = (layers: number, d: number, heads: number, ff: number): TransformerEncoder =>
  new TransformerEncoder(layers, { dModel: d, numHeads: heads, dFF: ff, dropout: 0, activation: 'gelu', seed: 1 });

let step: () => void;
const train = (model: Module, forward: () => Tensor, target: Tensor): (() => void) => {
  const opt = new Adam(1e-3);
  return () =>
    heed.tidy(() => {
      const { value, grads } = variableGrads(() => mean(square(sub(forward(), target))), model.trainableParameters());
      opt.step(grads);
      value.dataSync();
    });
};
switch (what) {
  case 'small':
  case 'bert':
  case 'bert8': {
    const [m, b] = what === 'small' ? [encoder(2, 256, 4, 1024).eval(), 1] : [encoder(12, 768, 12, 3072).eval(), what === 'bert8' ? 8 : 1];
    const x = randomNormal([b, 128, m.layers.items[0]!.options.dModel], 0, 1, { seed: 2 });
    step = () => heed.tidy(() => void m.forward(x));
    break;
  }
  case 'lstm':
  case 'lstm-train': {
    const m = new LSTM(256, 512, { seed: 1 });
    const x = randomNormal([50, 32, 256], 0, 1, { seed: 2 });
    step = what === 'lstm' ? () => heed.tidy(() => void m.forward(x)) : train(m, () => m.forward(x).output, randomNormal([50, 32, 512], 0, 1, { seed: 3 }));
    break;
  }
  case 'encoder-train': {
    const m = encoder(4, 256, 4, 1024);
    const x = randomNormal([32, 64, 256], 0, 1, { seed: 2 });
    step = train(m, () => m.forward(x), randomNormal([32, 64, 256], 0, 1, { seed: 3 }));
    break;
  }
  default:
    throw new Error(`unknown workload ${what}`);
}
for (let i = 0; i < 3; i++) step();
const times: number[] = [];
for (let i = 0; i < Number(runsArg); i++) {
  const t0 = performance.now();
  step();
  times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
console.log(JSON.stringify({ workload: what, runs: times.length, median_ms: Number(times[times.length >> 1]!.toFixed(2)), min_ms: Number(times[0]!.toFixed(2)) }));
heed.dispose();
