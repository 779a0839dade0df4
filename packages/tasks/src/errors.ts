/**
 * Typed errors of `@heed/tasks`. They extend core's and the models' error classes, so a
 * caller that catches `ArgumentError` or `CheckpointError` catches these too.
 */
import { ArgumentError } from '@heed/core';
import { ConfigError, ModelDirectoryError } from '@heed/models';

/**
 * A data file is malformed: a line with the wrong number of columns, a tag that is not
 * IOB, JSON that does not follow the schema. `source` names the file and `line` the
 * 1-based line number (0 when the problem is not on one line, e.g. a JSON schema path).
 */
export class DataFormatError extends ArgumentError {
  constructor(
    /** The file (or the name given to the text) that is malformed. */
    readonly source: string,
    /** The 1-based line number, or 0 when the problem is not tied to one line. */
    readonly line: number,
    problem: string,
  ) {
    super(`${source}${line > 0 ? `:${line}` : ''}: ${problem}`);
    this.name = 'DataFormatError';
  }
}

/** A metric, pipeline or CLI input is unusable: mismatched lengths, an unknown label, an empty question. */
export class TaskInputError extends ArgumentError {
  constructor(message: string) {
    super(message);
    this.name = 'TaskInputError';
  }
}

/**
 * A model (directory) cannot run the requested task: e.g. a masked language model given
 * to `text-classification`. The message names the task and the model's architecture.
 */
export class TaskModelMismatchError extends ModelDirectoryError {
  constructor(
    /** The task that was asked for. */
    readonly task: string,
    /** The model's architecture (registered type name). */
    readonly architecture: string,
    detail: string,
  ) {
    super(`task "${task}" cannot run a model of architecture "${architecture}": ${detail}`);
    this.name = 'TaskModelMismatchError';
  }
}

/**
 * A tokenizer has more ids than the model's embeddings hold: its vocabulary size exceeds
 * the config field (`vocab_size`, `src_vocab_size`, `tgt_vocab_size`). Raised when a
 * pipeline is built, before any weights are read or anything runs. The message names the
 * directory, the tokenizer file and its size, the config field and its value (as BERT's loader).
 */
export class VocabSizeMismatchError extends ConfigError {
  constructor(
    /** The model directory (or the parts' source). */
    readonly source: string,
    /** The tokenizer file, e.g. `tokenizer.json` or `target_tokenizer.json`. */
    readonly file: string,
    /** The tokenizer's vocabulary size. */
    readonly tokenizerSize: number,
    /** The config field it exceeds. */
    readonly field: string,
    /** That field's value. */
    readonly configSize: number,
  ) {
    super(`${source}: the tokenizer ${file} has ${tokenizerSize} tokens but config.json's "${field}" is ${configSize}`);
    this.name = 'VocabSizeMismatchError';
  }
}
