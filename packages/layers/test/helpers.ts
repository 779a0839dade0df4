import { createHeed, type Heed, type Tensor } from '@heed/core';
import { cpuBackendModule } from '@heed/backend-cpu';
import { layersModule } from '../src/index.js';

/** A Heed app on the CPU backend with the layers' plugins. */
export function cpuHeed(): Promise<Heed> {
  return createHeed({ plugins: [cpuBackendModule, layersModule], backend: 'cpu' });
}

/** Normwise relative error ‖a − b‖ / ‖b‖ (b the reference). */
export function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`relError: lengths differ (${a.length} vs ${b.length})`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += b[i]! ** 2;
  }
  return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-30);
}

/** Values of a tensor as a plain number array. */
export function vals(t: Tensor): number[] {
  return Array.from(t.dataSync());
}
