/** @heed/models/node: model directories on Node's file system. */
export * from './io/model-dir-node.js';
export * from './bert/directory-node.js';
export * from './training/node.js';
