/**
 * The native sgemm addon (src/native, native/) against onnxruntime-node (MLAS, its default
 * threads), fp32 matmul, in the same process and the same sitting:
 *
 *   node --conditions=source --import tsx packages/backend-cpu/bench/native-gemm.bench.ts [--quick] [--only=1024]
 *
 * Builds the addon first when it is missing. Prints one JSON line per (system, shape):
 *   {"bench":"matmul","system":"heed-cpu-native","shape":"1024x1024x1024","median_ms":…,"gflops":…}
 * (shape is MxKxN), then a summary line with the native/ORT ratios. Systems run in blocks,
 * the order rotating between sweeps, with a pause before each block (ORT's pool threads spin
 * after a run and would steal the cores from the next block); medians over all runs.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadNativeGemm, nativeGemmLoadError, type NativeGemm } from '../src/native/index.js';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const only = argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);

const build = spawnSync(process.execPath, [fileURLToPath(new URL('../native/build.mjs', import.meta.url)), '--quiet'], { stdio: 'inherit' });
if (build.status !== 0) console.error('[bench] native build failed');
const native: NativeGemm | undefined = loadNativeGemm();
if (!native) {
  console.error('[bench] no native engine:', nativeGemmLoadError() ?? 'addon missing or HEED_NATIVE=0');
  process.exit(1);
}

interface Runner {
  run(): void | Promise<void>;
  dispose?(): void;
}

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

function nativeMatmul(m: number, k: number, n: number): Runner {
  const a = randomArray(m * k, 1), b = randomArray(k * n, 2), c = new Float32Array(m * n);
  const args = { batch: 1, m, n, k, a, aOffset: 0, aBatchStride: 0, b, bOffset: 0, bBatchStride: 0, transA: false, transB: false, c, cOffset: 0 };
  return { run: () => native!.sgemm(args) };
}

// onnxruntime-node: a one-node MatMul graph, serialized by hand (as in matmul.bench.ts).
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

const shapes: Array<[number, number, number]> = [[256, 256, 256], [512, 512, 512], [1024, 1024, 1024], [128, 768, 3072]];
const systems: Record<string, (m: number, k: number, n: number) => Runner | Promise<Runner>> = {
  'heed-cpu-native': nativeMatmul,
  'onnxruntime-node': ortMatmul,
};

const median = (xs: number[]): number => {
  const s = [...xs].sort((x, y) => x - y);
  const h = s.length >> 1;
  return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
};
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

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

const results: Result[] = [];
for (const [m, k, n] of shapes) {
  const shape = `${m}x${k}x${n}`;
  if (only && !shape.includes(only)) continue;
  const names = Object.keys(systems);
  const runners: Runner[] = [];
  for (const name of names) runners.push(await systems[name]!(m, k, n));
  let slowest = 0;
  for (const r of runners) {
    for (let i = 0; i < 3; i++) await timeOnce(r);
    slowest = Math.max(slowest, await timeOnce(r));
  }
  const budgetMs = quick ? 1500 : 6000;
  const rounds = Math.max(quick ? 6 : 12, Math.min(quick ? 15 : 60, Math.floor(budgetMs / (names.length * Math.max(slowest, 0.01)))));
  const sweeps = 3;
  const perBlock = Math.ceil(rounds / sweeps);
  const times: number[][] = names.map(() => []);
  for (let sweep = 0; sweep < sweeps; sweep++) {
    for (let j = 0; j < names.length; j++) {
      const s = (sweep + j) % names.length;
      await pause(100);
      await timeOnce(runners[s]!); // re-warm after the pause
      for (let i = 0; i < perBlock; i++) times[s]!.push(await timeOnce(runners[s]!));
    }
  }
  for (const r of runners) r.dispose?.();
  names.forEach((system, s) => {
    const ms = median(times[s]!);
    const r = { bench: 'matmul', system, shape, median_ms: Number(ms.toFixed(3)), gflops: Number(((2 * m * k * n) / ms / 1e6).toFixed(2)) };
    results.push(r);
    console.log(JSON.stringify(r));
  });
}

const at = (system: string, shape: string): number | undefined => results.find((r) => r.system === system && r.shape === shape)?.gflops;
const ratios: Record<string, number | null> = {};
for (const [m, k, n] of shapes) {
  const shape = `${m}x${k}x${n}`;
  const h = at('heed-cpu-native', shape), o = at('onnxruntime-node', shape);
  if (h !== undefined && o) ratios[shape] = Number((h / o).toFixed(3));
}
console.log(JSON.stringify({ bench: 'matmul', summary: true, native_kernel: native.info.kernel, native_threads: native.info.threads, ratio_vs_onnxruntime: ratios }));
native.dispose();
