import { layerNorm, ShapeError, type Tensor, type Variable } from '@heed/core';
import { fmt } from './check.js';
import { Module, type ModuleOptions } from './module.js';

/** Options of `LayerNorm`. */
export interface LayerNormOptions extends ModuleOptions {
  /** Added to the variance (default 1e-5). */
  eps?: number;
}

/** Layer normalisation over the last axis with learned `weight` (ones) and `bias` (zeros), both [dim]. */
export class LayerNorm extends Module {
  readonly weight: Variable;
  readonly bias: Variable;
  readonly eps: number;

  constructor(
    readonly dim: number,
    options: LayerNormOptions = {},
  ) {
    super(options);
    this.eps = options.eps ?? 1e-5;
    this.weight = this.paramFull('weight', [dim], 1);
    this.bias = this.paramZeros('bias', [dim]);
  }

  override get layerName(): string {
    return `LayerNorm(${this.dim})`;
  }

  /** Normalises x [..., dim]. */
  forward(x: Tensor): Tensor {
    if (x.rank < 1 || x.shape[x.rank - 1] !== this.dim) throw new ShapeError(`${this.layerName}: input ${fmt(x.shape)} must end in ${this.dim}`);
    return layerNorm(x, this.weight, this.bias, this.eps);
  }
}
