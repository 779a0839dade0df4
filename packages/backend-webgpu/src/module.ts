import { backendModule, type BackendRegistration } from '@heed/core';
import { WebGpuBackend, type WebGpuBackendOptions } from './webgpu-backend.js';

/**
 * The WebGPU backend's registration: name "webgpu", priority 20 (above cpu's 10). Its
 * `create()` rejects with a BackendError when there is no WebGPU adapter, so `createHeed`
 * falls back to the next backend by priority.
 */
export function webgpuBackendRegistration(options: WebGpuBackendOptions = {}): BackendRegistration {
  return { name: 'webgpu', priority: 20, create: () => WebGpuBackend.create(options) };
}

/** ContainerModule that registers the WebGPU backend; pass it to `createHeed({ plugins })`. */
export const webgpuBackendModule = backendModule(webgpuBackendRegistration());

/** A WebGPU backend module with options (e.g. a forced matmul kernel). */
export function webgpuBackendModuleWith(options: WebGpuBackendOptions): ReturnType<typeof backendModule> {
  return backendModule(webgpuBackendRegistration(options));
}
