/** The example's backends and modules, for apps that want to reuse them. */
export { Float64Backend } from './float64-backend.js';
export { CountingBackend } from './counting-backend.js';
export { COUNTING_CPU_OPTIONS, CountingCpuRegistration, countingCpuModule, countingCpuModuleWith, float64Module } from './module.js';
