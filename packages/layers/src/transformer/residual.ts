import { add, type Tensor } from '@heed/core';
import { Dropout } from '../dropout.js';
import { LayerNorm } from '../layer-norm.js';
import { Module, type ModuleOptions } from '../module.js';

/** Where the LayerNorm sits around a residual sublayer. */
export type NormPlacement = 'post' | 'pre';

/**
 * Residual connection with layer normalisation around a sublayer f:
 * post-norm (the paper, default) LN(x + dropout(f(x))); pre-norm x + dropout(f(LN(x))).
 */
export class ResidualNorm extends Module {
  readonly norm: LayerNorm;
  readonly drop: Dropout;

  constructor(
    readonly dModel: number,
    readonly placement: NormPlacement = 'post',
    options: ModuleOptions & { dropout?: number; eps?: number } = {},
  ) {
    super(options);
    this.norm = this.child('norm', new LayerNorm(dModel, { ...this.childOptions, ...(options.eps !== undefined && { eps: options.eps }) }));
    this.drop = this.child('dropout', new Dropout(options.dropout ?? 0, this.childOptions));
  }

  override get layerName(): string {
    return `ResidualNorm(${this.dModel}, ${this.placement})`;
  }

  /** Applies the sublayer `f` with the residual and the norm. */
  forward(x: Tensor, f: (x: Tensor) => Tensor): Tensor {
    if (this.placement === 'pre') return add(x, this.drop.forward(f(this.norm.forward(x))));
    return this.norm.forward(add(x, this.drop.forward(f(x))));
  }
}
