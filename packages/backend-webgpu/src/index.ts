/** @heed/backend-webgpu: WGSL compute kernels on WebGPU, in browsers (navigator.gpu) and Node (Dawn). */
export { WebGpuBackend, type WebGpuBackendOptions } from './webgpu-backend.js';
export { webgpuBackendModule, webgpuBackendModuleWith, webgpuBackendRegistration } from './module.js';
export { openDevice, navigatorProvider, dawnProvider, type GpuContext, type GpuProvider, type DeviceOptions } from './device.js';
export type { MatmulKernel } from './kernels/matmul.js';
export type { RowKernel } from './kernels/host.js';
export { sizeClass } from './buffer-pool.js';
