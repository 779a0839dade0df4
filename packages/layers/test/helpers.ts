import { afterAll, afterEach, beforeAll, beforeEach, describe } from 'vitest';
import type { ContainerModule } from 'inversify';
import { createHeed, setEngine, type Heed, type Tensor } from '@heed/core';
import { cpuBackendModule } from '@heed/backend-cpu';
import { webgpuBackendModule } from '@heed/backend-webgpu';
import { layersModule } from '../src/index.js';

/** The backends the layer tests run on. */
export type BackendName = 'cpu' | 'webgpu';

/**
 * Every backend the numerical layer tests run on. WebGPU runs for real: in Node it is Dawn
 * (the `webgpu` package) on Mesa lavapipe, whose environment `scripts/webgpu-env.mjs`
 * prepares (`node scripts/bootstrap.mjs test` passes it on). Without an adapter every
 * WebGPU test fails with the backend's error (they are never skipped).
 */
export const BACKENDS: readonly BackendName[] = ['cpu', 'webgpu'];

const MODULES: Record<BackendName, ContainerModule> = { cpu: cpuBackendModule, webgpu: webgpuBackendModule };

/**
 * A Heed app on the named backend (no fallback) with the layers' plugins and `extra`
 * plugins, made the active engine.
 */
export function testHeed(backend: BackendName, extra: readonly ContainerModule[] = []): Promise<Heed> {
  return createHeed({ plugins: [MODULES[backend], layersModule, ...extra], backend, setActive: true });
}

/**
 * Registers `body`'s tests once per backend, each inside `describe('<backend>')` with one
 * Heed app for that block: created in `beforeAll`, made the active engine before each test,
 * disposed in `afterAll`. `getHeed()` returns it inside tests and hooks. If the backend
 * cannot be created, each of its tests fails with that error (a failing `beforeAll` would
 * only mark them skipped). After each test, queued GPU work is awaited so a deferred
 * validation error fails the test that caused it.
 */
export function forEachBackend(body: (backend: BackendName, getHeed: () => Heed) => void, backends: readonly BackendName[] = BACKENDS): void {
  for (const backend of backends) {
    describe(backend, () => {
      let heed: Heed | undefined;
      let failure: unknown;
      beforeAll(async () => {
        try {
          heed = await testHeed(backend);
        } catch (e) {
          failure = e;
        }
      });
      beforeEach(() => {
        if (!heed) throw failure ?? new Error(`the ${backend} Heed app was not created`);
        setEngine(heed.engine);
      });
      afterEach(async () => {
        await heed?.sync();
      });
      afterAll(() => {
        heed?.dispose();
        heed = undefined;
      });
      body(backend, () => {
        if (!heed) throw new Error(`the ${backend} Heed app is not created (beforeAll failed or has not run)`);
        return heed;
      });
    });
  }
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

/** Values of a tensor as a plain number array (an async read: the WebGPU backend has no synchronous one). */
export async function vals(t: Tensor): Promise<number[]> {
  return Array.from(await t.data());
}
