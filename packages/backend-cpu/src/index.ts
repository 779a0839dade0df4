/** @heed/backend-cpu: the CPU backend (WebAssembly SIMD gemm on a worker pool, JS kernels elsewhere). */
export { CpuBackend, type CpuBackendOptions } from './cpu-backend.js';
export { cpuBackendModule, cpuBackendModuleWith, cpuBackendRegistration } from './module.js';
