/** Training: schedules, host batches, bucketed data, the Trainer and its events (browser-safe; file-based parts are in `@heed/models/node`). */
export * from './schedules.js';
export * from './host-batch.js';
export * from './data/source.js';
export * from './data/bucketing.js';
export * from './data/bucketed-data.js';
export * from './events.js';
export * from './errors.js';
export * from './config-diff.js';
export * from './step.js';
export * from './trainer.js';
