import { CheckpointError } from '@heed/core';

/**
 * A training checkpoint cannot be used: it belongs to another model type or config, another
 * schedule, or the checkpoint directory already holds a run that would be overwritten. The
 * message names the difference; nothing on disk or in the model has changed.
 */
export class ResumeError extends CheckpointError {
  constructor(message: string) {
    super(message);
    this.name = 'ResumeError';
  }
}
