/**
 * `pnpm bench matmul`: fp32 matrix multiply on the WebGPU backend, same shapes and JSON
 * lines as packages/backend-cpu/bench/matmul.bench.ts, with "system":"heed-webgpu":
 *   {"bench":"matmul","system":"heed-webgpu","shape":"1024x1024x1024","median_ms":…,"gflops":…}
 * then a summary line naming the adapter and the matmul kernel chosen for it.
 *
 * Each run dispatches the product through the backend's public matmul, submits it and
 * waits for the queue to finish (`onSubmittedWorkDone`); the result stays on the device
 * (no readback).
 * Without a GPU this runs on Mesa's lavapipe (Vulkan on the CPU): the figures show the
 * kernels work, not what a GPU does.
 *
 * Options: --quick (fewer rounds), --only=<shape substring>, --kernel=blocked|tiled.
 */
import { Engine, matmul, tensor } from '@heed/core';
import { WebGpuBackend, type MatmulKernel } from '../src/index.js';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const only = argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const kernel = argv.find((a) => a.startsWith('--kernel='))?.slice('--kernel='.length) as MatmulKernel | undefined;

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

const median = (xs: number[]): number => {
  const s = [...xs].sort((x, y) => x - y);
  const h = s.length >> 1;
  return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
};

let backend: WebGpuBackend;
try {
  backend = await WebGpuBackend.create(kernel ? { matmulKernel: kernel } : {});
} catch (e) {
  console.log(JSON.stringify({ bench: 'matmul', system: 'heed-webgpu', skipped: true, reason: (e as Error).message }));
  process.exit(0);
}
const engine = new Engine(backend);
const device = backend.rt.device;

const shapes: [number, number, number][] = [
  [256, 256, 256],
  [512, 512, 512],
  [1024, 1024, 1024],
  [128, 768, 3072],
];

for (const [m, k, n] of shapes) {
  const shape = `${m}x${k}x${n}`;
  if (only && !shape.includes(only)) continue;
  const a = tensor(randomArray(m * k, 1), [m, k], 'float32', { engine });
  const b = tensor(randomArray(k * n, 2), [k, n], 'float32', { engine });
  const once = async (): Promise<number> => {
    const t0 = performance.now();
    const c = matmul(a, b);
    backend.rt.flush(); // submit now (kernels are otherwise submitted in a microtask, after this wait began)
    await device.queue.onSubmittedWorkDone();
    const ms = performance.now() - t0;
    c.dispose();
    return ms;
  };
  await once(); // pipeline compile, pool warm-up
  const first = await once();
  const budgetMs = quick ? 1500 : 6000;
  const rounds = Math.max(quick ? 3 : 5, Math.min(quick ? 9 : 21, Math.floor(budgetMs / Math.max(first, 0.01))));
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) times.push(await once());
  await backend.sync();
  const ms = median(times);
  console.log(JSON.stringify({ bench: 'matmul', system: 'heed-webgpu', shape, median_ms: Number(ms.toFixed(3)), gflops: Number(((2 * m * k * n) / ms / 1e6).toFixed(2)) }));
  a.dispose();
  b.dispose();
}
console.log(JSON.stringify({ bench: 'matmul', summary: true, system: 'heed-webgpu', adapter: backend.info.adapter, software: backend.info.software, heed_kernel: backend.matmulKernel }));
engine.dispose();
