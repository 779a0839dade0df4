/**
 * `pnpm bench matmul`: fp32 matrix multiply, and softmax / layer norm / GELU over (128, 768)
 * rows, heed-cpu against onnxruntime-node (its default threads) and, for matmul,
 * @tensorflow/tfjs-backend-wasm, in the same process and the same sitting.
 *
 * Systems:
 *   heed-cpu          the public API: `ops.matmul` / `ops.softmax` / `ops.layerNorm` /
 *                     `ops.gelu` on a `createHeed({ plugins: [cpuBackendModule] })` engine,
 *                     so the copies into and out of the wasm memory and the result
 *                     allocation are timed (the CPU backend is synchronous: the result is
 *                     in host memory when the op returns);
 *   heed-cpu-gemm     matmul only: the raw GemmEngine.sgemm on preallocated arrays;
 *   heed-cpu-js       softmax / layer norm / GELU only: the plain JS kernels (the backend's
 *                     fallback where WebAssembly is missing, and its path before the wasm row
 *                     kernels);
 *   onnxruntime-node  one-node ONNX graphs (MatMul opset 13, Softmax opset 13,
 *                     LayerNormalization opset 17, Gelu opset 20), session and input tensors
 *                     created once, only `session.run` timed;
 *   tfjs-wasm         matmul only.
 *
 * Prints one JSON object per line per (case, system):
 *   {"bench":"matmul","system":"heed-cpu","shape":"1024x1024x1024","median_ms":…,"gflops":…}
 * (matmul shape is MxKxN: an M×K by K×N product; softmax / layernorm / gelu shape is
 * ROWSxCOLS, and those lines have `"gflops": null` and `melem_per_s`, millions of input
 * elements per second), then a summary line with heed-cpu's throughput over each peer's
 * (> 1: heed faster): matmul at 1024³ against onnxruntime-node and tfjs-wasm, and softmax,
 * layer norm and GELU at 128x768 against onnxruntime-node.
 *
 * The machine is shared and noisy, so the systems are interleaved: each system runs in
 * several blocks (the order rotating), and medians are taken over all its runs.
 *
 * Options: --quick (fewer rounds), --only=<substring of bench name or shape>.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { createHeed, ops, type Heed, type Tensor } from '@heed/core';
import { CpuBackend, cpuBackendModule } from '../src/index.js';
import { GemmEngine } from '../src/gemm/index.js';
import * as fusedJs from '../src/kernels/fused.js';
import { buildOnnxModel, f32 as oracleF32 } from '@heed/onnx-oracle';

const require = createRequire(import.meta.url);
const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const only = argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);

/** One timed operation: prepared inputs, `run` does the work once. */
interface Runner {
  run(): void | Promise<void>;
  dispose?(): void;
}

/** A benchmark case: a shape and a way to build a runner for each system. */
interface BenchCase {
  bench: string;
  shape: string;
  /** Floating-point operations of one run (for GFLOP/s); 0: report element throughput. */
  flops: number;
  /** Input elements of one run (for `melem_per_s` when flops is 0). */
  elements?: number;
  systems: Record<string, () => Promise<Runner>>;
}

// ---------------------------------------------------------------------------------------
// Systems
// ---------------------------------------------------------------------------------------

function randomArray(size: number, seed: number): Float32Array {
  const out = new Float32Array(size);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = (s >>> 0) / 4294967296 - 0.5;
  }
  return out;
}

// heed-cpu through the public API: one app (CPU backend, default threads) for every case.
let heedApp: Heed | undefined;
async function heed(): Promise<Heed> {
  if (!heedApp) heedApp = await createHeed({ plugins: [cpuBackendModule] });
  return heedApp;
}

/** A runner that times `op` on the heed engine and disposes its result. */
function heedRunner(inputs: Tensor[], op: () => Tensor): Runner {
  return {
    run: () => op().dispose(),
    dispose: () => inputs.forEach((t) => t.dispose()),
  };
}

async function heedMatmul(m: number, k: number, n: number): Promise<Runner> {
  await heed();
  const a = ops.tensor(randomArray(m * k, 1), [m, k]), b = ops.tensor(randomArray(k * n, 2), [k, n]);
  return heedRunner([a, b], () => ops.matmul(a, b));
}

async function heedSoftmax(rows: number, cols: number): Promise<Runner> {
  await heed();
  const x = ops.tensor(randomArray(rows * cols, 3).map((v) => 8 * v), [rows, cols]);
  return heedRunner([x], () => ops.softmax(x));
}

async function heedLayerNorm(rows: number, cols: number): Promise<Runner> {
  await heed();
  const x = ops.tensor(randomArray(rows * cols, 4), [rows, cols]);
  const g = ops.tensor(randomArray(cols, 5).map((v) => 1 + v), [cols]), b = ops.tensor(randomArray(cols, 6), [cols]);
  return heedRunner([x, g, b], () => ops.layerNorm(x, g, b, 1e-5));
}

async function heedGelu(rows: number, cols: number): Promise<Runner> {
  await heed();
  const x = ops.tensor(randomArray(rows * cols, 7).map((v) => 8 * v), [rows, cols]);
  return heedRunner([x], () => ops.gelu(x));
}

// heed-cpu-gemm: the raw engine, operands preallocated (no tensor bookkeeping, no allocation).
let engine: GemmEngine | undefined;
async function heedEngine(): Promise<GemmEngine> {
  if (!engine) {
    engine = GemmEngine.create();
    await engine.ready();
  }
  return engine;
}

async function heedGemm(m: number, k: number, n: number): Promise<Runner> {
  const e = await heedEngine();
  const a = randomArray(m * k, 1), b = randomArray(k * n, 2), c = new Float32Array(m * n);
  const args = { batch: 1, m, n, k, a, aOffset: 0, aBatchStride: 0, b, bOffset: 0, bBatchStride: 0, transA: false, transB: false, c, cOffset: 0 };
  return { run: () => e.sgemm(args) };
}

// heed-cpu-js: the JS fused kernels (fallback path; the backend's path before wasm).
async function jsSoftmax(rows: number, cols: number): Promise<Runner> {
  const x = randomArray(rows * cols, 3).map((v) => 8 * v);
  return { run: () => void fusedJs.softmax(x, cols) };
}

async function jsLayerNorm(rows: number, cols: number): Promise<Runner> {
  const x = randomArray(rows * cols, 4), g = randomArray(cols, 5).map((v) => 1 + v), b = randomArray(cols, 6);
  return { run: () => void fusedJs.layerNorm(x, g, b, cols, 1e-5) };
}

async function jsGelu(rows: number, cols: number): Promise<Runner> {
  const x = randomArray(rows * cols, 7).map((v) => 8 * v);
  return { run: () => void fusedJs.gelu(x, 'none') };
}

// onnxruntime-node: one-node graphs built with the test oracle's ONNX model builder.
/** A one-node model `opType(inputs) -> Y` (default domain, `opset`) for float32 feeds. */
function oneNodeModel(opType: string, feeds: Record<string, { data: Float32Array; dims: number[] }>, opset: number): Uint8Array {
  const inputs = Object.fromEntries(Object.entries(feeds).map(([name, f]) => [name, oracleF32(f.dims, f.data)]));
  return buildOnnxModel({ nodes: [{ opType, inputs: Object.keys(feeds), outputs: ['Y'] }], inputs, outputs: ['Y'], opset });
}

type Ort = typeof import('onnxruntime-node');
let ortModule: Ort | undefined;

/** A runner for a one-node graph: session and feeds made once, `session.run` timed. */
async function ortRunner(model: Uint8Array, feeds: Record<string, { data: Float32Array; dims: number[] }>): Promise<Runner> {
  ortModule ??= (await import('onnxruntime-node')) as Ort;
  const ort = ortModule;
  const session = await ort.InferenceSession.create(model); // default threads
  const tensors = Object.fromEntries(Object.entries(feeds).map(([name, f]) => [name, new ort.Tensor('float32', f.data, f.dims)]));
  return {
    run: async () => {
      const out = await session.run(tensors);
      for (const t of Object.values(out)) t.dispose?.();
    },
    dispose: () => void session.release(),
  };
}

/** A runner for a one-node graph on `feeds` (made once; only `session.run` is timed). */
function ortOp(opType: string, feeds: Record<string, { data: Float32Array; dims: number[] }>, opset: number): Promise<Runner> {
  return ortRunner(oneNodeModel(opType, feeds, opset), feeds);
}

function ortMatmul(m: number, k: number, n: number): Promise<Runner> {
  return ortOp('MatMul', { A: { data: randomArray(m * k, 1), dims: [m, k] }, B: { data: randomArray(k * n, 2), dims: [k, n] } }, 13);
}

function ortSoftmax(rows: number, cols: number): Promise<Runner> {
  return ortOp('Softmax', { X: { data: randomArray(rows * cols, 3).map((v) => 8 * v), dims: [rows, cols] } }, 13); // axis −1
}

function ortLayerNorm(rows: number, cols: number): Promise<Runner> {
  // axis −1, epsilon 1e-5 (the defaults)
  return ortOp(
    'LayerNormalization',
    {
      X: { data: randomArray(rows * cols, 4), dims: [rows, cols] },
      Scale: { data: randomArray(cols, 5).map((v) => 1 + v), dims: [cols] },
      B: { data: randomArray(cols, 6), dims: [cols] },
    },
    17,
  );
}

function ortGelu(rows: number, cols: number): Promise<Runner> {
  return ortOp('Gelu', { X: { data: randomArray(rows * cols, 7).map((v) => 8 * v), dims: [rows, cols] } }, 20); // exact (erf)
}

// @tensorflow/tfjs-backend-wasm (SIMD; single-threaded under Node).
type Tf = typeof import('@tensorflow/tfjs-core');
let tfModule: Tf | undefined;
async function tfjsWasm(): Promise<Tf> {
  if (!tfModule) {
    const tf = (await import('@tensorflow/tfjs-core')) as Tf;
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const dist = dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
    wasm.setWasmPaths(`${dist}/`);
    await tf.setBackend('wasm');
    await tf.ready();
    tfModule = tf;
  }
  return tfModule;
}

async function tfjsMatmul(m: number, k: number, n: number): Promise<Runner> {
  const tf = await tfjsWasm();
  const a = tf.tensor2d(randomArray(m * k, 1), [m, k]);
  const b = tf.tensor2d(randomArray(k * n, 2), [k, n]);
  return {
    run: () => {
      const c = tf.matMul(a, b);
      c.dataSync();
      c.dispose();
    },
    dispose: () => {
      a.dispose();
      b.dispose();
    },
  };
}

// ---------------------------------------------------------------------------------------
// Cases
// ---------------------------------------------------------------------------------------

function matmulCase(m: number, k: number, n: number): BenchCase {
  return {
    bench: 'matmul',
    shape: `${m}x${k}x${n}`,
    flops: 2 * m * k * n,
    systems: {
      'heed-cpu': () => heedMatmul(m, k, n),
      'heed-cpu-gemm': () => heedGemm(m, k, n),
      'onnxruntime-node': () => ortMatmul(m, k, n),
      'tfjs-wasm': () => tfjsMatmul(m, k, n),
    },
  };
}

type RowBench = (rows: number, cols: number) => Promise<Runner>;

function rowCase(bench: string, rows: number, cols: number, heedRun: RowBench, jsRun: RowBench, ortRun: RowBench): BenchCase {
  return {
    bench,
    shape: `${rows}x${cols}`,
    flops: 0,
    elements: rows * cols,
    systems: {
      'heed-cpu': () => heedRun(rows, cols),
      'heed-cpu-js': () => jsRun(rows, cols),
      'onnxruntime-node': () => ortRun(rows, cols),
    },
  };
}

const cases: BenchCase[] = [
  matmulCase(256, 256, 256),
  matmulCase(512, 512, 512),
  matmulCase(1024, 1024, 1024),
  matmulCase(128, 768, 3072),
  rowCase('softmax', 128, 768, heedSoftmax, jsSoftmax, ortSoftmax),
  rowCase('layernorm', 128, 768, heedLayerNorm, jsLayerNorm, ortLayerNorm),
  rowCase('gelu', 128, 768, heedGelu, jsGelu, ortGelu),
];

// ---------------------------------------------------------------------------------------
// Driver
// ---------------------------------------------------------------------------------------

const median = (xs: number[]): number => {
  const s = [...xs].sort((x, y) => x - y);
  const h = s.length >> 1;
  return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
};

async function timeOnce(r: Runner): Promise<number> {
  const t0 = performance.now();
  await r.run();
  return performance.now() - t0;
}

interface Result {
  bench: string;
  system: string;
  shape: string;
  median_ms: number;
  /** GFLOP/s (matmul); null for the row kernels, which report `melem_per_s`. */
  gflops: number | null;
  /** Millions of input elements per second (softmax, layer norm, GELU). */
  melem_per_s?: number;
}

async function runCase(c: BenchCase): Promise<Result[]> {
  const names = Object.keys(c.systems);
  const runners: Runner[] = [];
  for (const name of names) runners.push(await c.systems[name]!());
  // Warm-up (JIT tiers, thread pools, caches) and a time estimate.
  let slowest = 0;
  for (const r of runners) {
    for (let i = 0; i < 3; i++) await timeOnce(r);
    slowest = Math.max(slowest, await timeOnce(r));
  }
  const budgetMs = quick ? 1500 : 6000;
  const rounds = Math.max(quick ? 5 : 9, Math.min(quick ? 15 : 41, Math.floor(budgetMs / (names.length * Math.max(slowest, 0.01)))));
  // Blocks of runs per system, the order rotating between sweeps, with a pause before each
  // block: onnxruntime's pool threads spin for a while after a run, and must not steal the
  // cores from the next system's block.
  const times: number[][] = names.map(() => []);
  const sweeps = 3;
  const perBlock = Math.ceil(rounds / sweeps);
  for (let sweep = 0; sweep < sweeps; sweep++) {
    for (let j = 0; j < names.length; j++) {
      const s = (sweep + j) % names.length;
      await new Promise((resolve) => setTimeout(resolve, 50));
      for (let i = 0; i < perBlock; i++) times[s]!.push(await timeOnce(runners[s]!));
    }
  }
  for (const r of runners) r.dispose?.();
  return names.map((system, s) => {
    const ms = median(times[s]!);
    const r: Result = {
      bench: c.bench,
      system,
      shape: c.shape,
      median_ms: Number(ms.toFixed(3)),
      gflops: c.flops ? Number((c.flops / ms / 1e6).toFixed(2)) : null,
    };
    if (!c.flops && c.elements) r.melem_per_s = Number((c.elements / ms / 1e3).toFixed(1));
    return r;
  });
}

const results: Result[] = [];
for (const c of cases) {
  if (only && !c.shape.includes(only) && !c.bench.includes(only)) continue;
  for (const r of await runCase(c)) {
    results.push(r);
    console.log(JSON.stringify(r));
  }
}

/** heed-cpu's throughput over `peer`'s (= peer time / heed time) in one case; null if missing. */
const ratio = (bench: string, shape: string, peer: string): number | null => {
  const ms = (system: string): number | undefined => results.find((r) => r.bench === bench && r.system === system && r.shape === shape)?.median_ms;
  const h = ms('heed-cpu'), p = ms(peer);
  return h && p ? Number((p / h).toFixed(3)) : null;
};
const backend = heedApp?.engine.backend;
const info = backend instanceof CpuBackend ? backend.info : engine?.info;
console.log(
  JSON.stringify({
    bench: 'matmul',
    summary: true,
    heed_kernel: info?.kernel,
    heed_threads: info?.threads,
    ratio_vs_onnxruntime_1024: ratio('matmul', '1024x1024x1024', 'onnxruntime-node'),
    ratio_vs_tfjs_wasm_1024: ratio('matmul', '1024x1024x1024', 'tfjs-wasm'),
    ratio_vs_onnxruntime_softmax_128x768: ratio('softmax', '128x768', 'onnxruntime-node'),
    ratio_vs_onnxruntime_layernorm_128x768: ratio('layernorm', '128x768', 'onnxruntime-node'),
    ratio_vs_onnxruntime_gelu_128x768: ratio('gelu', '128x768', 'onnxruntime-node'),
  }),
);
heedApp?.dispose();
engine?.dispose();
