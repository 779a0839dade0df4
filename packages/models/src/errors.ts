import { ArgumentError, CheckpointError } from '@heed/core';

/**
 * A model config is invalid or does not fit what it is used with: a missing or mistyped
 * field, a vocabulary size that does not match a tokenizer or the weights, a sequence
 * longer than the model's positions. The message names the model type and the field.
 */
export class ConfigError extends ArgumentError {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * A model directory cannot be read: no `config.json`, malformed JSON, or weights that do
 * not match the config (the message names the directory and the keys).
 */
export class ModelDirectoryError extends CheckpointError {
  constructor(message: string) {
    super(message);
    this.name = 'ModelDirectoryError';
  }
}
