/**
 * `pnpm bench rows`: the row kernels of the WebGPU backend (softmax, log-softmax, layer
 * norm, cross-entropy) on 128×768 and 32×3072, one JSON line per op and shape:
 *   {"bench":"rows","system":"heed-webgpu","op":"layerNorm","shape":"128x768","row_kernel":"auto","median_ms":…}
 * `median_ms` is per op: each sample dispatches the op REPS times through the public API
 * and waits for the queue (`onSubmittedWorkDone`); results stay on the device.
 *
 * Options: --quick (fewer rounds), --only=<op or shape substring>, --shapes=128x768,32x3072,
 * --rows=auto|thread|workgroup (force one invocation per row or one workgroup per row;
 * several values, comma-separated, to compare them in one sitting), --subgroups=off
 * (shared-memory tree reductions even when the adapter has subgroups).
 * Without a GPU this runs on Mesa's lavapipe: the figures compare kernels on a CPU
 * driver, not GPU speed.
 */
import { Engine, crossEntropy, layerNorm, logSoftmax, softmax, tensor, type Tensor } from '@heed/core';
import { WebGpuBackend, type RowKernel } from '../src/index.js';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const only = argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const modes = (argv.find((a) => a.startsWith('--rows='))?.slice('--rows='.length) ?? 'auto').split(',') as RowKernel[];
const subgroups = !argv.includes('--subgroups=off');
const REPS = 10;

function randomArray(size: number, seed: number): Float32Array {
  const out = new Float32Array(size);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = ((s >>> 0) / 4294967296 - 0.5) * 8;
  }
  return out;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((x, y) => x - y);
  const h = s.length >> 1;
  return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
};

const shapeArg = argv.find((a) => a.startsWith('--shapes='))?.slice('--shapes='.length);
const shapes: [number, number][] = shapeArg
  ? shapeArg.split(',').map((s) => s.split('x').map(Number) as [number, number])
  : [
      [128, 768],
      [32, 3072],
    ];

// One backend per mode; samples of the modes are interleaved (round-robin) so that load
// drift on a shared machine hits them alike.
const runs: { mode: RowKernel; backend: WebGpuBackend; engine: Engine }[] = [];
for (const mode of modes) {
  try {
    const backend = await WebGpuBackend.create({ rowKernel: mode, subgroups });
    runs.push({ mode, backend, engine: new Engine(backend) });
  } catch (e) {
    console.log(JSON.stringify({ bench: 'rows', system: 'heed-webgpu', skipped: true, reason: (e as Error).message }));
    process.exit(0);
  }
}

const OPS = ['softmax', 'logSoftmax', 'layerNorm', 'crossEntropy'] as const;

for (const [r, c] of shapes) {
  const shape = `${r}x${c}`;
  const xs = randomArray(r * c, 1);
  const gs = randomArray(c, 2);
  const bs = randomArray(c, 3);
  const ls = Int32Array.from({ length: r }, (_, i) => (i * 7919) % c);
  const inputs = runs.map(({ engine }) => {
    const o = { engine };
    return { x: tensor(xs, [r, c], 'float32', o), g: tensor(gs, [c], 'float32', o), be: tensor(bs, [c], 'float32', o), labels: tensor(ls, [r], 'int32', o) };
  });
  for (const op of OPS) {
    if (only && !op.includes(only) && !shape.includes(only)) continue;
    const once = async (k: number): Promise<number> => {
      const { x, g, be, labels } = inputs[k]!;
      const f = (): Tensor => (op === 'softmax' ? softmax(x) : op === 'logSoftmax' ? logSoftmax(x) : op === 'layerNorm' ? layerNorm(x, g, be) : crossEntropy(x, labels, { reduction: 'none' }));
      const outs: Tensor[] = [];
      const t0 = performance.now();
      for (let i = 0; i < REPS; i++) outs.push(f());
      runs[k]!.backend.rt.flush(); // submit now: kernels are otherwise submitted in a microtask
      await runs[k]!.backend.rt.device.queue.onSubmittedWorkDone();
      const ms = (performance.now() - t0) / REPS;
      for (const t of outs) t.dispose();
      return ms;
    };
    let first = 0;
    for (let k = 0; k < runs.length; k++) {
      await once(k); // pipeline compile, pool warm-up
      first = Math.max(first, await once(k));
    }
    const budgetMs = (quick ? 600 : 2500) / runs.length;
    const rounds = Math.max(quick ? 5 : 9, Math.min(quick ? 11 : 31, Math.floor(budgetMs / (REPS * Math.max(first, 0.01)))));
    const times: number[][] = runs.map(() => []);
    for (let i = 0; i < rounds; i++) for (let k = 0; k < runs.length; k++) times[k]!.push(await once(k));
    for (let k = 0; k < runs.length; k++) {
      const { mode, backend } = runs[k]!;
      await backend.sync();
      console.log(JSON.stringify({ bench: 'rows', system: 'heed-webgpu', op, shape, row_kernel: mode, subgroups: backend.subgroups, median_ms: Number(median(times[k]!).toFixed(3)), rounds }));
    }
  }
  for (const t of inputs.flatMap((i) => Object.values(i))) t.dispose();
}
for (const { mode, backend, engine } of runs) {
  console.log(JSON.stringify({ bench: 'rows', summary: true, system: 'heed-webgpu', adapter: backend.info.adapter, software: backend.info.software, row_kernel: mode, subgroups: backend.subgroups }));
  engine.dispose();
}
