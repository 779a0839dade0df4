import { ArgumentError, dropout, reshape, type Tensor } from '@heed/core';
import { Module, type ModuleOptions } from './module.js';

/**
 * Inverted dropout: in training mode zeroes each element with probability `rate` and
 * scales the rest by 1/(1 − rate); in eval mode (or at rate 0) the identity. Masks come
 * from the module's seeded generator, so a run is reproducible from its seed.
 */
export class Dropout extends Module {
  constructor(
    readonly rate: number,
    options: ModuleOptions = {},
  ) {
    super(options);
    if (!(rate >= 0 && rate < 1)) throw new ArgumentError(`Dropout: rate must be in [0, 1), got ${rate}`);
  }

  override get layerName(): string {
    return `Dropout(${this.rate})`;
  }

  /** Applies dropout (training mode only). */
  forward(x: Tensor): Tensor {
    if (!this.training || this.rate === 0) return reshape(x, x.shape);
    return dropout(x, this.rate, { rng: this.rng });
  }
}
