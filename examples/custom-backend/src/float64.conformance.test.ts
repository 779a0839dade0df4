// Step 4 of writing a backend: run Heed's conformance kit against it. One call registers
// every kernel, fused-op (here: core's composite fallbacks) and gradient check.
import { runBackendConformance } from '@heed/core/testing';
import { Float64Backend } from './float64-backend.js';

runBackendConformance(() => new Float64Backend(), { name: 'float64' });
