/**
 * Reading a model config's fields with typed errors: each reader returns the value (or the
 * default when the field is absent) and throws `ConfigError` naming the model type and the
 * field when it has the wrong type or range.
 */
import { ConfigError } from '../errors.js';
import type { ModelConfig } from '../model.js';

function bad(type: string, field: string, want: string, got: unknown): never {
  throw new ConfigError(`${type}: "${field}" must be ${want}, got ${JSON.stringify(got)}`);
}

/** An integer field ≥ `min` (default 1); required when `fallback` is undefined. */
export function intField(type: string, config: ModelConfig, field: string, fallback?: number, min = 1): number {
  const v = config[field] ?? fallback;
  if (v === undefined) throw new ConfigError(`${type}: "${field}" is required (an integer ≥ ${min})`);
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) bad(type, field, `an integer ≥ ${min}`, v);
  return v;
}

/** A number field in [min, max). */
export function rateField(type: string, config: ModelConfig, field: string, fallback: number, min = 0, max = 1): number {
  const v = config[field] ?? fallback;
  if (typeof v !== 'number' || !(v >= min && v < max)) bad(type, field, `a number in [${min}, ${max})`, v);
  return v;
}

/** A boolean field. */
export function boolField(type: string, config: ModelConfig, field: string, fallback: boolean): boolean {
  const v = config[field] ?? fallback;
  if (typeof v !== 'boolean') bad(type, field, 'true or false', v);
  return v;
}

/** A string field, one of `choices` when given. */
export function stringField<S extends string>(type: string, config: ModelConfig, field: string, fallback: S, choices?: readonly S[]): S {
  const v = config[field] ?? fallback;
  if (typeof v !== 'string' || v === '') bad(type, field, 'a non-empty string', v);
  if (choices && !choices.includes(v as S)) bad(type, field, `one of ${choices.map((c) => `"${c}"`).join(', ')}`, v);
  return v as S;
}

/** A token id field: an integer in [0, vocabSize). */
export function tokenField(type: string, config: ModelConfig, field: string, fallback: number, vocabSize: number, vocabField: string): number {
  const v = config[field] ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= vocabSize) {
    bad(type, field, `a token id in [0, ${vocabSize}) ("${vocabField}")`, v);
  }
  return v;
}
