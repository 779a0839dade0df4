import { backendModule, type BackendRegistration } from '@heed/core';
import { CpuBackend, type CpuBackendOptions } from './cpu-backend.js';

/** The CPU backend's registration: name "cpu", priority 10 (below GPU backends). */
export function cpuBackendRegistration(options: CpuBackendOptions = {}): BackendRegistration {
  return { name: 'cpu', priority: 10, create: () => new CpuBackend(options) };
}

/** ContainerModule that registers the CPU backend; pass it to `createHeed({ plugins })`. */
export const cpuBackendModule = backendModule(cpuBackendRegistration());

/** A CPU backend module with options (e.g. a thread count). */
export function cpuBackendModuleWith(options: CpuBackendOptions): ReturnType<typeof backendModule> {
  return backendModule(cpuBackendRegistration(options));
}
