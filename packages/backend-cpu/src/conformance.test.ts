import { runBackendConformance } from '@heed/core/testing';
import { CpuBackend } from './cpu-backend.js';

runBackendConformance(() => new CpuBackend(), { name: 'cpu' });
