/**
 * The page: composes Heed with the WebGPU backend and the CPU backend as a fallback
 * (createHeed picks WebGPU when `navigator.gpu` gives an adapter, else CPU), runs the
 * model's forward pass, and shows the backend and the numbers. The result is also left
 * on `window.heedResult` for the browser test.
 */
import { cpuBackendModule } from '@heed/backend-cpu';
import { webgpuBackendModule } from '@heed/backend-webgpu';
import { createHeed } from '@heed/core';
import { MODEL, TOKENS, runModel } from './model.js';

/** What the page reports. */
export interface PageResult {
  backend: string;
  hasNavigatorGpu: boolean;
  probs: number[];
  ms: number;
  error?: string;
}

declare global {
  interface Window {
    heedResult?: PageResult;
  }
}

async function main(): Promise<void> {
  const status = document.getElementById('status')!;
  try {
    const heed = await createHeed({ plugins: [webgpuBackendModule, cpuBackendModule] });
    const t0 = performance.now();
    const probs = await runModel(heed.engine);
    const ms = performance.now() - t0;
    document.getElementById('backend')!.textContent = heed.backendName;
    const rows: string[] = [];
    for (let i = 0; i < MODEL.seq; i++) {
      const row = Array.from(probs.slice(i * MODEL.vocab, (i + 1) * MODEL.vocab));
      rows.push(`token ${TOKENS[i]} → ${row.map((p) => p.toFixed(4)).join(' ')}`);
    }
    document.getElementById('output')!.textContent = rows.join('\n');
    status.textContent = `done in ${ms.toFixed(1)} ms`;
    window.heedResult = { backend: heed.backendName, hasNavigatorGpu: 'gpu' in navigator && !!navigator.gpu, probs: Array.from(probs), ms };
    heed.dispose();
  } catch (e) {
    status.textContent = `failed: ${(e as Error).message}`;
    window.heedResult = { backend: 'none', hasNavigatorGpu: !!navigator.gpu, probs: [], ms: 0, error: String((e as Error).stack ?? e) };
  }
}

void main();
