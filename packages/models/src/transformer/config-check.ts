import type { ActivationName, NormPlacement } from '@heed/layers';
import { ConfigError } from '../errors.js';
import type { ModelConfig } from '../model.js';

const ACTIVATIONS: readonly ActivationName[] = ['relu', 'gelu', 'gelu-tanh', 'tanh', 'sigmoid', 'identity'];

/**
 * Reads typed fields of a model config with defaults, throwing `ConfigError` naming the
 * model type, the field and the value when a field has the wrong type or range.
 */
export class ConfigReader {
  constructor(
    private readonly type: string,
    private readonly config: ModelConfig,
  ) {}

  private fail(field: string, want: string): never {
    throw new ConfigError(`${this.type}: "${field}" must be ${want}, got ${JSON.stringify(this.config[field])}`);
  }

  /** A positive integer (required when `fallback` is undefined). */
  posInt(field: string, fallback?: number): number {
    const v = this.config[field] ?? fallback;
    if (v === undefined) this.fail(field, 'a positive integer (required)');
    if (!(typeof v === 'number' && Number.isInteger(v) && v > 0)) this.fail(field, 'a positive integer');
    return v;
  }

  /** A token id: an integer in [0, vocab). */
  tokenId(field: string, fallback: number, vocab: number): number {
    const v = this.config[field] ?? fallback;
    if (!(typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < vocab)) this.fail(field, `a token id in [0, ${vocab})`);
    return v;
  }

  /** A number in [lo, hi). */
  fraction(field: string, fallback: number, lo = 0, hi = 1): number {
    const v = this.config[field] ?? fallback;
    if (!(typeof v === 'number' && v >= lo && v < hi)) this.fail(field, `a number in [${lo}, ${hi})`);
    return v;
  }

  /** A positive number. */
  positive(field: string, fallback: number): number {
    const v = this.config[field] ?? fallback;
    if (!(typeof v === 'number' && Number.isFinite(v) && v > 0)) this.fail(field, 'a positive number');
    return v;
  }

  /** A boolean. */
  bool(field: string, fallback: boolean): boolean {
    const v = this.config[field] ?? fallback;
    if (typeof v !== 'boolean') this.fail(field, 'true or false');
    return v;
  }

  /** An activation name of @heed/layers. */
  activation(field: string, fallback: ActivationName): ActivationName {
    const v = this.config[field] ?? fallback;
    if (!ACTIVATIONS.includes(v as ActivationName)) this.fail(field, `one of ${ACTIVATIONS.join(', ')}`);
    return v as ActivationName;
  }

  /** 'pre' or 'post' LayerNorm placement. */
  norm(field: string, fallback: NormPlacement): NormPlacement {
    const v = this.config[field] ?? fallback;
    if (v !== 'pre' && v !== 'post') this.fail(field, '"pre" or "post"');
    return v;
  }

  /** Throws unless `d_model` is a multiple of `num_heads`. */
  heads(dModel: number, numHeads: number): void {
    if (dModel % numHeads !== 0) throw new ConfigError(`${this.type}: "d_model" ${dModel} must be a multiple of "num_heads" ${numHeads}`);
  }
}
