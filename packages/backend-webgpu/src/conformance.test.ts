import { runBackendConformance } from '@heed/core/testing';
import { WebGpuBackend } from './webgpu-backend.js';

runBackendConformance(() => WebGpuBackend.create(), { name: 'webgpu' });
