/**
 * @heed/tasks: task pipelines, metrics, data parsers and the pieces of the `heed` CLI.
 * This entry point is browser-safe; file readers and directory loading are in `@heed/tasks/node`.
 * @packageDocumentation
 */
export * from './errors.js';
export * from './metrics/index.js';
export * from './data/index.js';
export * from './postprocess/index.js';
export * from './pipelines/index.js';
export * from './plugins.js';
export * from './render/index.js';
