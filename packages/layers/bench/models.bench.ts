/**
 * `pnpm bench models`: whole models on the CPU, Heed against onnxruntime-node and PyTorch
 * on the same weights and inputs, in one run (issue 11).
 *
 * Systems: `heed-cpu` (the public API on a `createHeed({ plugins: [cpuBackendModule] })`
 * app, default threads), `heed-cpu-1t` (the same with `threads: 1`, same seeds and weights), `onnxruntime-node-1t` / `-2t` (graphs from the oracle's model
 * builder, weights as initializers, `graphOptimizationLevel: 'all'`), `pytorch-1t` / `-2t`
 * (Debian's python3-torch with OpenBLAS, one persistent process per thread count,
 * OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset; installed through apt-get when missing,
 * never in CI; PyTorch times itself, so no pipe latency is counted).
 *
 * Benches: `encoder-forward` (post-norm Transformer encoder, exact GELU, eval mode) on the
 * small shape and the BERT-base shape at batch 1 and 8; `lstm-forward`; `lstm-train-step`
 * (MSE against a fixed target, Adam); `encoder-train-step` (same loss and optimizer).
 * `translation-train-step` waits for the translation recipe (@heed/tasks has none yet).
 *
 * Before timing, every peer's output (forward) or loss before and after one step (training)
 * is compared with Heed's: normwise relative error ≤ 1e-4 (forward) / 1e-3 (losses), else the
 * run fails. Prints one JSON line per (bench, shape, system) with `median_ms`, `check` lines,
 * and a summary line with Heed's throughput over the best peer thread count (> 1: Heed faster).
 *
 * Options: --quick (fewer rounds), --only=<substring of bench or shape>, --no-torch, --no-ort.
 */
import { Adam, createHeed, getEngine, mean, randomNormal, setEngine, square, sub, variableGrads, type Heed, type Tensor, type Variable } from '@heed/core';
import { cpuBackendModule, cpuBackendModuleWith, CpuBackend } from '@heed/backend-cpu';
import { LSTM, TransformerEncoder, type Module } from '../src/index.js';
import {
  encoderOnnx,
  ensureTorch,
  lstmOnnx,
  ortRunner,
  removeTensorDirs,
  TorchPeer,
  writeTensors,
  type EncoderConfig,
  type LstmConfig,
  type Runner,
  type Tensors,
} from './models-peers.js';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const only = argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const useTorch = !argv.includes('--no-torch') && ensureTorch();
const useOrt = !argv.includes('--no-ort');

const heed1t: Heed = await createHeed({ plugins: [cpuBackendModuleWith({ threads: 1 })] });
const heed: Heed = await createHeed({ plugins: [cpuBackendModule], setActive: true });

/** Builds with the one-thread app active (`heed-cpu-1t`: same seeds, so the same weights). */
function onOneThread<T>(build: () => T): T {
  const prev = getEngine();
  setEngine(heed1t.engine);
  try {
    return build();
  } finally {
    setEngine(prev);
  }
}
const torch = useTorch ? [new TorchPeer(1), new TorchPeer(2)] : [];

// ---------------------------------------------------------------------------------------
// Heed models and their weights under PyTorch's names
// ---------------------------------------------------------------------------------------

const values = (t: Tensor): Float32Array => t.dataSync() as Float32Array;

function encoderModel(c: EncoderConfig, seed: number): TransformerEncoder {
  return new TransformerEncoder(c.numLayers, { dModel: c.dModel, numHeads: c.numHeads, dFF: c.dFF, dropout: 0, activation: 'gelu', seed });
}

/** nn.TransformerEncoder's state dict from Heed's encoder. */
function encoderParams(m: TransformerEncoder): Tensors {
  const out: Tensors = new Map();
  const put = (name: string, ...vs: Variable[]): void => {
    const data = new Float32Array(vs.reduce((n, v) => n + v.size, 0));
    let o = 0;
    for (const v of vs) data.set(values(v), (o += v.size) - v.size);
    const shape = [...vs[0]!.shape];
    shape[0] = vs.reduce((n, v) => n + v.shape[0]!, 0);
    out.set(name, { data, shape });
  };
  m.layers.items.forEach((l, i) => {
    const L = `layers.${i}`;
    const a = l.selfAttn;
    put(`${L}.self_attn.in_proj_weight`, a.wq.weight, a.wk.weight, a.wv.weight);
    put(`${L}.self_attn.in_proj_bias`, a.wq.bias!, a.wk.bias!, a.wv.bias!);
    put(`${L}.self_attn.out_proj.weight`, a.wo.weight);
    put(`${L}.self_attn.out_proj.bias`, a.wo.bias!);
    put(`${L}.linear1.weight`, l.ffn.linear1.weight);
    put(`${L}.linear1.bias`, l.ffn.linear1.bias!);
    put(`${L}.linear2.weight`, l.ffn.linear2.weight);
    put(`${L}.linear2.bias`, l.ffn.linear2.bias!);
    put(`${L}.norm1.weight`, l.res1.norm.weight);
    put(`${L}.norm1.bias`, l.res1.norm.bias);
    put(`${L}.norm2.weight`, l.res2.norm.weight);
    put(`${L}.norm2.bias`, l.res2.norm.bias);
  });
  return out;
}

/** nn.LSTM's state dict: Heed's LSTM uses the same names and layout. */
function lstmParams(m: LSTM): Tensors {
  return new Map([...m.stateDict()].map(([name, v]) => [name, { data: values(v).slice(), shape: [...v.shape] }]));
}

const mse = (y: Tensor, target: Tensor): Tensor => mean(square(sub(y, target)));

/** A training step on Heed: MSE loss, gradients of every trainable parameter, Adam. */
function heedTrainStep(model: Module, forward: () => Tensor, target: Tensor, app: Heed = heed): { step(): number; dispose(): void } {
  const opt = new Adam(1e-3);
  const params = model.trainableParameters();
  return {
    step: () =>
      app.tidy(() => {
        const { value, grads } = variableGrads(() => mse(forward(), target), params);
        opt.step(grads);
        return values(value)[0]!;
      }),
    dispose: () => opt.dispose(),
  };
}

// ---------------------------------------------------------------------------------------
// Cases
// ---------------------------------------------------------------------------------------

/** What a case gives the driver: runners by system and the pairs to check. */
interface Prepared {
  runners: Map<string, Runner>;
  checks: { peer: string; heed: Float32Array; peerValues: Float32Array; tolerance: number }[];
  dispose(): void;
}

interface BenchCase {
  bench: string;
  shape: string;
  /** Slow cases get fewer rounds. */
  prepare(): Promise<Prepared>;
}

async function torchRunners(id: string, kind: string, config: object, tensors: Tensors, heedCheck: Float32Array, tolerance: number, p: Prepared): Promise<void> {
  if (!torch.length) return;
  const dir = writeTensors(tensors);
  for (const peer of torch) {
    const r = await peer.runner(id, kind, config, dir);
    p.runners.set(`pytorch-${peer.threads}t`, r);
    p.checks.push({ peer: `pytorch-${peer.threads}t`, heed: heedCheck, peerValues: r.check, tolerance });
  }
}

function encoderForward(shape: string, c: EncoderConfig): BenchCase {
  return {
    bench: 'encoder-forward',
    shape,
    prepare: async () => {
      const model = encoderModel(c, 1).eval();
      const x = randomNormal([c.batch, c.seq, c.dModel], 0, 1, { seed: 2 });
      const heedOut = heed.tidy(() => values(model.forward(x)).slice());
      const params = encoderParams(model);
      const p: Prepared = { runners: new Map(), checks: [], dispose: () => (model.dispose(), x.dispose()) };
      p.runners.set('heed-cpu', { run: () => heed.tidy(() => void model.forward(x)) });
      const one = onOneThread(() => ({ model: encoderModel(c, 1).eval(), x: randomNormal([c.batch, c.seq, c.dModel], 0, 1, { seed: 2 }) }));
      p.runners.set('heed-cpu-1t', { run: () => heed1t.tidy(() => void one.model.forward(one.x)), dispose: () => (one.model.dispose(), one.x.dispose()) });
      p.checks.push({ peer: 'heed-cpu-1t', heed: heedOut, peerValues: heed1t.tidy(() => values(one.model.forward(one.x)).slice()), tolerance: 1e-5 });
      const xv = values(x).slice();
      if (useOrt) {
        const graph = encoderOnnx(c, params);
        for (const threads of [1, 2]) {
          const r = await ortRunner(graph, { X: { data: xv, dims: [c.batch, c.seq, c.dModel] } }, threads);
          p.runners.set(`onnxruntime-node-${threads}t`, r);
          p.checks.push({ peer: `onnxruntime-node-${threads}t`, heed: heedOut, peerValues: await r.output(), tolerance: 1e-4 });
        }
      }
      params.set('input.x', { data: xv, shape: [c.batch, c.seq, c.dModel] });
      await torchRunners(shape, 'encoder-forward', c, new Map([...params].map(([k, v]) => [k.startsWith('input.') ? k : `param.${k}`, v])), heedOut, 1e-4, p);
      return p;
    },
  };
}

function lstmForward(shape: string, c: LstmConfig): BenchCase {
  return {
    bench: 'lstm-forward',
    shape,
    prepare: async () => {
      const model = new LSTM(c.input, c.hidden, { seed: 3 });
      const x = randomNormal([c.seq, c.batch, c.input], 0, 1, { seed: 4 });
      const heedOut = heed.tidy(() => values(model.forward(x).output).slice());
      const params = lstmParams(model);
      const p: Prepared = { runners: new Map(), checks: [], dispose: () => (model.dispose(), x.dispose()) };
      p.runners.set('heed-cpu', { run: () => heed.tidy(() => void model.forward(x)) });
      const one = onOneThread(() => ({ model: new LSTM(c.input, c.hidden, { seed: 3 }), x: randomNormal([c.seq, c.batch, c.input], 0, 1, { seed: 4 }) }));
      p.runners.set('heed-cpu-1t', { run: () => heed1t.tidy(() => void one.model.forward(one.x)), dispose: () => (one.model.dispose(), one.x.dispose()) });
      p.checks.push({ peer: 'heed-cpu-1t', heed: heedOut, peerValues: heed1t.tidy(() => values(one.model.forward(one.x).output).slice()), tolerance: 1e-5 });
      const xv = values(x).slice();
      if (useOrt) {
        const graph = lstmOnnx(c, params);
        for (const threads of [1, 2]) {
          const r = await ortRunner(graph, { X: { data: xv, dims: [c.seq, c.batch, c.input] } }, threads);
          p.runners.set(`onnxruntime-node-${threads}t`, r);
          p.checks.push({ peer: `onnxruntime-node-${threads}t`, heed: heedOut, peerValues: await r.output(), tolerance: 1e-4 });
        }
      }
      const tensors: Tensors = new Map([...params].map(([k, v]) => [`param.${k}`, v]));
      tensors.set('input.x', { data: xv, shape: [c.seq, c.batch, c.input] });
      await torchRunners(shape, 'lstm-forward', c, tensors, heedOut, 1e-4, p);
      return p;
    },
  };
}

/** A training-step case: `make` builds the model, its input, target and forward; the check is the loss before and after one step. */
function trainStep(bench: string, shape: string, kind: string, config: object, make: () => { model: Module; x: Tensor; target: Tensor; forward: () => Tensor; params: () => Tensors }): BenchCase {
  return {
    bench,
    shape,
    prepare: async () => {
      const { model, x, target, forward, params } = make();
      const tensors: Tensors = new Map([...params()].map(([k, v]) => [`param.${k}`, v]));
      tensors.set('input.x', { data: values(x).slice(), shape: [...x.shape] });
      tensors.set('input.target', { data: values(target).slice(), shape: [...target.shape] });
      const trainer = heedTrainStep(model, forward, target);
      const l1 = trainer.step();
      const l2 = heed.tidy(() => values(mse(forward(), target))[0]!);
      const one = onOneThread(make);
      const trainer1 = heedTrainStep(one.model, one.forward, one.target, heed1t);
      const l1one = trainer1.step();
      const p: Prepared = {
        runners: new Map([
          ['heed-cpu', { run: () => void trainer.step() }],
          ['heed-cpu-1t', { run: () => void trainer1.step() }],
        ]),
        checks: [{ peer: 'heed-cpu-1t', heed: Float32Array.of(l1), peerValues: Float32Array.of(l1one), tolerance: 1e-5 }],
        dispose: () => (trainer.dispose(), model.dispose(), x.dispose(), target.dispose(), trainer1.dispose(), one.model.dispose(), one.x.dispose(), one.target.dispose()),
      };
      await torchRunners(shape, kind, config, tensors, Float32Array.of(l1, l2), 1e-3, p);
      return p;
    },
  };
}

const small: EncoderConfig = { numLayers: 2, dModel: 256, numHeads: 4, dFF: 1024, batch: 1, seq: 128 };
const bert: EncoderConfig = { numLayers: 12, dModel: 768, numHeads: 12, dFF: 3072, batch: 1, seq: 128 };
const lstm: LstmConfig = { seq: 50, batch: 32, input: 256, hidden: 512 };
const encTrain: EncoderConfig = { numLayers: 4, dModel: 256, numHeads: 4, dFF: 1024, batch: 32, seq: 64 };
const encName = (c: EncoderConfig, name: string): string => `${name}:L${c.numLayers}-d${c.dModel}-h${c.numHeads}-ff${c.dFF}-b${c.batch}-s${c.seq}`;
const lstmName = `T${lstm.seq}-B${lstm.batch}-I${lstm.input}-H${lstm.hidden}`;

const cases: BenchCase[] = [
  encoderForward(encName(small, 'small'), small),
  encoderForward(encName(bert, 'bert-base'), bert),
  encoderForward(encName({ ...bert, batch: 8 }, 'bert-base'), { ...bert, batch: 8 }),
  lstmForward(lstmName, lstm),
  trainStep('lstm-train-step', lstmName, 'lstm-train-step', lstm, () => {
    const model = new LSTM(lstm.input, lstm.hidden, { seed: 5 });
    const x = randomNormal([lstm.seq, lstm.batch, lstm.input], 0, 1, { seed: 6 });
    const target = randomNormal([lstm.seq, lstm.batch, lstm.hidden], 0, 0.5, { seed: 7 });
    return { model, x, target, forward: () => model.forward(x).output, params: () => lstmParams(model) };
  }),
  trainStep('encoder-train-step', encName(encTrain, 'enc4'), 'encoder-train-step', encTrain, () => {
    const model = encoderModel(encTrain, 8);
    const x = randomNormal([encTrain.batch, encTrain.seq, encTrain.dModel], 0, 1, { seed: 9 });
    const target = randomNormal([encTrain.batch, encTrain.seq, encTrain.dModel], 0, 1, { seed: 10 });
    return { model, x, target, forward: () => model.forward(x), params: () => encoderParams(model) };
  }),
];

// ---------------------------------------------------------------------------------------
// Driver: systems interleaved in blocks (order rotating), medians over all runs
// ---------------------------------------------------------------------------------------

const median = (xs: number[]): number => {
  const s = [...xs].sort((x, y) => x - y);
  const h = s.length >> 1;
  return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
};

async function timeOnce(r: Runner): Promise<number> {
  const t0 = performance.now();
  const own = await r.run();
  return typeof own === 'number' ? own : performance.now() - t0;
}

/** Normwise relative error ‖a − b‖ / ‖b‖. */
function relErr(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += b[i]! ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-30));
}

interface Row {
  bench: string;
  system: string;
  shape: string;
  median_ms: number;
  runs: number;
}

const rows: Row[] = [];
let failed = false;
for (const c of cases) {
  if (only && !c.shape.includes(only) && !c.bench.includes(only)) continue;
  const p = await c.prepare();
  for (const ch of p.checks) {
    const err = relErr(ch.heed, ch.peerValues);
    const ok = err <= ch.tolerance;
    failed ||= !ok;
    console.log(JSON.stringify({ check: true, bench: c.bench, shape: c.shape, peer: ch.peer, rel_err: Number(err.toExponential(2)), tolerance: ch.tolerance, ok }));
  }
  const names = [...p.runners.keys()];
  const runners = names.map((n) => p.runners.get(n)!);
  const estimate: number[] = [];
  for (const r of runners) {
    const first = await timeOnce(r);
    if (first < 300) for (let i = 0; i < 2; i++) await timeOnce(r);
    estimate.push(await timeOnce(r));
  }
  // Rounds per system from its own time (a slow peer does not cut the others' samples).
  const budgetMs = quick ? 2500 : 8000;
  const sweeps = 3;
  const perBlock = estimate.map((ms) => Math.ceil(Math.max(quick || ms > 1500 ? 3 : 6, Math.min(quick ? 15 : 30, Math.floor(budgetMs / (names.length * Math.max(ms, 0.01))))) / sweeps));
  const times: number[][] = names.map(() => []);
  for (let sweep = 0; sweep < sweeps; sweep++) {
    for (let j = 0; j < names.length; j++) {
      const s = (sweep + j) % names.length;
      await new Promise((resolve) => setTimeout(resolve, 100)); // peers' spinning pool threads settle
      for (let i = 0; i < perBlock[s]!; i++) times[s]!.push(await timeOnce(runners[s]!));
    }
  }
  for (const r of runners) r.dispose?.();
  p.dispose();
  names.forEach((system, s) => {
    const row: Row = { bench: c.bench, system, shape: c.shape, median_ms: Number(median(times[s]!).toFixed(3)), runs: times[s]!.length };
    rows.push(row);
    console.log(JSON.stringify(row));
  });
}

/** Heed's throughput over the best of `prefix`'s thread counts (peer ms / heed ms); null when missing. */
function ratio(bench: string, shape: string, prefix: string, system = 'heed-cpu'): number | null {
  const at = rows.filter((r) => r.bench === bench && r.shape === shape);
  const h = at.find((r) => r.system === system)?.median_ms;
  const best = Math.min(...at.filter((r) => r.system.startsWith(prefix)).map((r) => r.median_ms));
  return h && Number.isFinite(best) ? Number((best / h).toFixed(3)) : null;
}
const summary: Record<string, unknown> = { bench: 'models', summary: true };
const backend = heed.engine.backend;
if (backend instanceof CpuBackend) Object.assign(summary, { heed_kernel: backend.info.kernel, heed_threads: backend.info.threads });
for (const c of cases) {
  const peer = c.bench.endsWith('train-step') ? 'pytorch' : 'onnxruntime-node';
  const r = ratio(c.bench, c.shape, peer);
  if (r !== null) summary[`${c.bench}/${c.shape}/vs-best-${peer}`] = r;
  const r1 = ratio(c.bench, c.shape, peer, 'heed-cpu-1t');
  if (r1 !== null) summary[`${c.bench}/${c.shape}/heed-1t-vs-best-${peer}`] = r1;
}
summary['translation-train-step'] = 'not run: the translation recipe does not exist yet';
console.log(JSON.stringify(summary));
for (const t of torch) t.close();
removeTensorDirs();
heed.dispose();
heed1t.dispose();
if (failed) {
  console.error('[bench models] a peer disagrees with Heed beyond the tolerance (see the check lines)');
  process.exitCode = 1;
}
