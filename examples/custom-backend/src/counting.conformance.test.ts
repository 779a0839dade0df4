// A wrapper must not change behaviour: the counting backend passes the same suite as the
// CPU backend it wraps, fused kernels included.
import { runBackendConformance } from '@heed/core/testing';
import { CpuBackend } from '@heed/backend-cpu';
import { CountingBackend } from './counting-backend.js';

runBackendConformance(() => new CountingBackend(new CpuBackend()), { name: 'counting-cpu' });
