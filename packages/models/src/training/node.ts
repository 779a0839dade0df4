/** Training on Node: streaming file data, checkpoints on disk, the progress renderer and the JSONL log. */
export * from './data/lines-node.js';
export * from './data/streaming-node.js';
export * from './checkpoint-node.js';
export * from './progress-node.js';
export * from './jsonl-node.js';
