import { ArgumentError } from '../errors.js';
import { Rng } from '../random.js';
import type { Tensor } from '../tensor.js';
import { mul } from './elementwise.js';
import { reshape } from './reshape.js';
import { expectDType, expectTensor } from './util.js';

/** Options of `dropout`. */
export interface DropoutOptions {
  /** Generator for the mask (reproducible training). */
  rng?: Rng;
  /** Seed for a fresh generator when no `rng` is given. */
  seed?: number;
}

/** Zeroes each element with probability `rate` and scales the rest by 1/(1 − rate) (inverted dropout). */
export function dropout(x: Tensor, rate: number, options: DropoutOptions = {}): Tensor {
  expectTensor('dropout', x);
  expectDType('dropout', x, 'float32');
  if (!(rate >= 0 && rate < 1)) throw new ArgumentError(`dropout: rate must be in [0, 1), got ${rate}`);
  if (rate === 0) return reshape(x, x.shape);
  const rng = options.rng ?? new Rng(options.seed ?? 0);
  const m = new Float32Array(x.size);
  const keep = 1 / (1 - rate);
  for (let i = 0; i < m.length; i++) m[i] = rng.next() >= rate ? keep : 0;
  const mask = x.engine.fromHost(m, x.shape, 'float32');
  const y = mul(x, mask);
  mask.dispose();
  return y;
}
