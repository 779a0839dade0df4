/** The Heed app the CLI runs on: the chosen backend plus the layers', models' and tasks' plugins. */
import type { ContainerModule } from 'inversify';
import { createHeed, type Heed } from '@heed/core';
import { cpuBackendModule } from '@heed/backend-cpu';
import { layersModule } from '@heed/layers';
import { modelsModule } from '@heed/models';
import { TaskInputError } from '../errors.js';
import { tasksModule } from '../plugins.js';

/** Creates the app on `backend` (`cpu` or `webgpu`; WebGPU is loaded only when asked for). */
export async function createCliApp(backend: string): Promise<Heed> {
  const plugins: ContainerModule[] = [layersModule, modelsModule, tasksModule];
  if (backend === 'cpu') plugins.unshift(cpuBackendModule);
  else if (backend === 'webgpu') {
    // A variable specifier: the WebGPU backend is optional and loaded only on request.
    const spec = '@heed/backend-webgpu';
    let mod: { webgpuBackendModule: ContainerModule };
    try {
      mod = (await import(spec)) as { webgpuBackendModule: ContainerModule };
    } catch (e) {
      throw new TaskInputError(`--backend webgpu: @heed/backend-webgpu cannot be loaded (${(e as Error).message})`);
    }
    plugins.unshift(mod.webgpuBackendModule);
  } else throw new TaskInputError(`--backend must be cpu or webgpu, got ${JSON.stringify(backend)}`);
  return createHeed({ plugins, backend, setActive: true });
}
