/**
 * `pnpm bench matmul`: fp32 matrix multiply, heed-cpu against onnxruntime-node (its default
 * threads) and @tensorflow/tfjs-backend-wasm, in the same process and the same sitting.
 *
 * Prints one JSON object per line per (case, system):
 *   {"bench":"matmul","system":"heed-cpu","shape":"1024x1024x1024","median_ms":…,"gflops":…}
 * (shape is MxKxN: an M×K by K×N product), then a summary line with the heed/peer ratios
 * at 1024³.
 *
 * The machine is shared and noisy, so the systems are interleaved: each system runs in
 * several blocks (the order rotating), and medians are taken over all its runs.
 *
 * Options: --quick (fewer rounds), --only=<shape substring>.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { GemmEngine } from '../src/gemm/index.js';

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
  /** Floating-point operations of one run (for GFLOP/s); 0 to omit. */
  flops: number;
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

// heed-cpu. TODO(integration): switch this row to the backend's public matmul API, and add
// softmax / layernorm cases below next to the matmul ones.
let engine: GemmEngine | undefined;
async function heedEngine(): Promise<GemmEngine> {
  if (!engine) {
    engine = GemmEngine.create();
    await engine.ready();
  }
  return engine;
}

async function heedMatmul(m: number, k: number, n: number): Promise<Runner> {
  const e = await heedEngine();
  const a = randomArray(m * k, 1), b = randomArray(k * n, 2), c = new Float32Array(m * n);
  const args = { batch: 1, m, n, k, a, aOffset: 0, aBatchStride: 0, b, bOffset: 0, bBatchStride: 0, transA: false, transB: false, c, cOffset: 0 };
  return { run: () => e.sgemm(args) };
}

// onnxruntime-node: a one-node MatMul graph, serialized by hand (a few protobuf fields).
function pbVarint(value: number): number[] {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}
const pbField = (field: number, wire: number): number[] => pbVarint((field << 3) | wire);
const pbInt = (field: number, v: number): number[] => [...pbField(field, 0), ...pbVarint(v)];
const pbBytes = (field: number, bytes: number[]): number[] => [...pbField(field, 2), ...pbVarint(bytes.length), ...bytes];
const pbString = (field: number, s: string): number[] => pbBytes(field, [...Buffer.from(s, 'utf8')]);

function matmulModel(m: number, k: number, n: number): Uint8Array {
  const valueInfo = (name: string, dims: number[]): number[] =>
    [...pbString(1, name), ...pbBytes(2, pbBytes(1, [...pbInt(1, 1 /* FLOAT */), ...pbBytes(2, dims.flatMap((d) => pbBytes(1, pbInt(1, d))))]))];
  const node = [...pbString(1, 'A'), ...pbString(1, 'B'), ...pbString(2, 'C'), ...pbString(3, 'matmul'), ...pbString(4, 'MatMul')];
  const graph = [
    ...pbBytes(1, node),
    ...pbString(2, 'matmul'),
    ...pbBytes(11, valueInfo('A', [m, k])),
    ...pbBytes(11, valueInfo('B', [k, n])),
    ...pbBytes(12, valueInfo('C', [m, n])),
  ];
  const model = [...pbInt(1, 8 /* ir_version */), ...pbBytes(8, [...pbString(1, ''), ...pbInt(2, 13)]), ...pbBytes(7, graph)];
  return Uint8Array.from(model);
}

type Ort = typeof import('onnxruntime-node');
let ortModule: Ort | undefined;
async function ortMatmul(m: number, k: number, n: number): Promise<Runner> {
  ortModule ??= (await import('onnxruntime-node')) as Ort;
  const ort = ortModule;
  const session = await ort.InferenceSession.create(matmulModel(m, k, n)); // default threads
  const feeds = {
    A: new ort.Tensor('float32', randomArray(m * k, 1), [m, k]),
    B: new ort.Tensor('float32', randomArray(k * n, 2), [k, n]),
  };
  return {
    run: async () => {
      const out = await session.run(feeds);
      out.C!.dispose?.();
    },
    dispose: () => void session.release(),
  };
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
      'onnxruntime-node': () => ortMatmul(m, k, n),
      'tfjs-wasm': () => tfjsMatmul(m, k, n),
    },
  };
}

const cases: BenchCase[] = [
  matmulCase(256, 256, 256),
  matmulCase(512, 512, 512),
  matmulCase(1024, 1024, 1024),
  matmulCase(128, 768, 3072),
  // Later: softmax / layernorm cases through the backend's public API go here.
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
  gflops: number;
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
    return {
      bench: c.bench,
      system,
      shape: c.shape,
      median_ms: Number(ms.toFixed(3)),
      gflops: Number((c.flops / ms / 1e6).toFixed(2)),
    };
  });
}

const results: Result[] = [];
for (const c of cases) {
  if (only && !c.shape.includes(only)) continue;
  for (const r of await runCase(c)) {
    results.push(r);
    console.log(JSON.stringify(r));
  }
}

const at = (system: string, shape: string): number | undefined =>
  results.find((r) => r.system === system && r.shape === shape)?.gflops;
const big = '1024x1024x1024';
const heed = at('heed-cpu', big);
const ratio = (peer: string): number | null => {
  const p = at(peer, big);
  return heed !== undefined && p ? Number((heed / p).toFixed(3)) : null;
};
console.log(
  JSON.stringify({
    bench: 'matmul',
    summary: true,
    heed_kernel: engine?.info.kernel,
    heed_threads: engine?.info.threads,
    ratio_vs_onnxruntime_1024: ratio('onnxruntime-node'),
    ratio_vs_tfjs_wasm_1024: ratio('tfjs-wasm'),
  }),
);
engine?.dispose();
