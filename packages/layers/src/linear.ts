import { linear, reshape, ShapeError, type Tensor, type Variable } from '@heed/core';
import { fmt } from './check.js';
import { Module, type ModuleOptions } from './module.js';

/** Options of `Linear`. */
export interface LinearOptions extends ModuleOptions {
  /** Add a bias (default true). */
  bias?: boolean;
}

/**
 * y = x·Wᵀ + b over the last axis. `weight` is [out, in] and `bias` [out] (PyTorch layout,
 * so checkpoints load one-to-one); both start uniform in ±1/√in.
 */
export class Linear extends Module {
  readonly weight: Variable;
  readonly bias: Variable | undefined;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: LinearOptions = {},
  ) {
    super(options);
    const bound = 1 / Math.sqrt(inFeatures);
    this.weight = this.paramUniform('weight', [outFeatures, inFeatures], bound);
    this.bias = options.bias === false ? undefined : this.paramUniform('bias', [outFeatures], bound);
  }

  override get layerName(): string {
    return `Linear(${this.inFeatures}→${this.outFeatures})`;
  }

  /** Applies the layer to x [..., in] → [..., out]. */
  forward(x: Tensor): Tensor {
    if (x.rank < 1 || x.shape[x.rank - 1] !== this.inFeatures) {
      throw new ShapeError(`${this.layerName}: input ${fmt(x.shape)} must end in inFeatures = ${this.inFeatures}`);
    }
    const flat = x.rank === 2 ? x : reshape(x, [-1, this.inFeatures]);
    // One op (core's linear: the bias fused into the product where the backend can).
    const y = linear(flat, this.weight, this.bias);
    return x.rank === 2 ? y : reshape(y, [...x.shape.slice(0, -1), this.outFeatures]);
  }
}
