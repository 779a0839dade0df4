/**
 * Demo: compose Heed with two custom backends next to the CPU one, run the same training
 * step on the float64 reference and on the CPU (through the counting wrapper), compare,
 * and show what happens when an app asks for a backend nobody registered.
 *
 *   pnpm --filter @heed/example-custom-backend start
 */
import { createHeed, PluginNotFoundError } from '@heed/core';
import { cpuBackendModule } from '@heed/backend-cpu';
import { CountingBackend } from './counting-backend.js';
import { countingCpuModule, float64Module } from './module.js';
import { maxGradDiff, trainStep } from './train-step.js';

const plugins = [cpuBackendModule, float64Module, countingCpuModule];
const fmt = (xs: Float32Array, n = 4): string => `[${Array.from(xs.slice(0, n), (v) => v.toFixed(6)).join(', ')}, …]`;

// 1. The float64 reference backend, selected by name.
const ref = await createHeed({ plugins, backend: 'float64' });
const r64 = await trainStep(ref);
console.log(`backend ${ref.backendName}: loss ${r64.loss.toFixed(7)}, dL/dw1 ${fmt(r64.grads.w1)}`);
ref.dispose();

// 2. The same step on the CPU backend, through the counting wrapper.
const counted = await createHeed({ plugins, backend: 'counting-cpu' });
const r32 = await trainStep(counted);
console.log(`backend ${counted.backendName}: loss ${r32.loss.toFixed(7)}, dL/dw1 ${fmt(r32.grads.w1)}`);
console.log(`max |grad(float64) − grad(cpu)| = ${maxGradDiff(r64, r32).toExponential(2)}`);
const counting = counted.engine.backend as CountingBackend;
console.log(`kernels run on counting-cpu (${counting.total} calls):`);
for (const [name, n] of Object.entries(counting.counts)) console.log(`  ${name.padEnd(22)} ${n}`);
counted.dispose();

// 3. A name nobody registered: the error lists what is.
try {
  await createHeed({ plugins, backend: 'webgpu' });
} catch (e) {
  if (!(e instanceof PluginNotFoundError)) throw e;
  console.log(`${e.name}: ${e.message}`);
}
