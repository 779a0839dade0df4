import { runBackendConformance } from '@heed/core/testing';
import { WebGpuBackend } from '../src/index.js';

/*
 * The conformance kit again on the kernels the default choice does not take on this
 * (software) adapter: the shared-memory tiled matmul that real GPUs get (matmul,
 * attention, LSTM and GRU run on it), and workgroup-per-row row kernels forced for every
 * row length (short rows included), with subgroup reductions and with the shared-memory
 * tree that adapters without `subgroups` get.
 */
runBackendConformance(() => WebGpuBackend.create({ matmulKernel: 'tiled' }), { name: 'webgpu (tiled matmul)' });
runBackendConformance(() => WebGpuBackend.create({ rowKernel: 'workgroup' }), { name: 'webgpu (workgroup per row, subgroups when available)' });
runBackendConformance(() => WebGpuBackend.create({ rowKernel: 'workgroup', subgroups: false }), { name: 'webgpu (workgroup per row, shared-memory tree)' });
