/**
 * @heed/tasks/node: the parts that need Node's file system: streaming data-file readers
 * (gzip too) and pipelines loaded from model directories.
 * @packageDocumentation
 */
export * from './data/files-node.js';
export * from './io/pipeline-node.js';
export * from './render/heatmaps-node.js';
