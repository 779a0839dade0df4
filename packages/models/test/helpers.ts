import type { ContainerModule } from 'inversify';
import { createHeed, type Heed } from '@heed/core';
import { cpuBackendModule } from '@heed/backend-cpu';
import { webgpuBackendModule } from '@heed/backend-webgpu';
import { layersModule } from '@heed/layers';
import { modelsModule } from '../src/index.js';

/** The backends model tests may run on. */
export type BackendName = 'cpu' | 'webgpu';

/** A Heed app on the named backend with the layers' and models' plugins plus `extra`, made active. */
export function testHeed(backend: BackendName = 'cpu', extra: readonly ContainerModule[] = []): Promise<Heed> {
  return createHeed({ plugins: [backend === 'cpu' ? cpuBackendModule : webgpuBackendModule, layersModule, modelsModule, ...extra], backend, setActive: true });
}
