import { runBackendConformance } from '@heed/core/testing';
import { CpuBackend } from './cpu-backend.js';

// The default backend (native gemm addon where built) and the WebAssembly-only one
// (browsers, or Node without the addon) must both pass the whole kit.
runBackendConformance(() => new CpuBackend(), { name: 'cpu' });
runBackendConformance(() => new CpuBackend({ native: false }), { name: 'cpu (WebAssembly gemm only)' });
