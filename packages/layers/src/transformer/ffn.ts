import type { Tensor } from '@heed/core';
import { activation, type ActivationName } from '../activations.js';
import { Dropout } from '../dropout.js';
import { Linear } from '../linear.js';
import { Module, type ModuleOptions } from '../module.js';

/** Options of `PositionwiseFFN`. */
export interface FFNOptions extends ModuleOptions {
  /** Hidden activation (default relu). */
  activation?: ActivationName;
  /** Dropout after the activation in training mode (default 0). */
  dropout?: number;
}

/** The Transformer's position-wise feed-forward block: linear2(dropout(act(linear1(x)))). */
export class PositionwiseFFN extends Module {
  readonly linear1: Linear;
  readonly linear2: Linear;
  readonly drop: Dropout;
  private readonly act: (x: Tensor) => Tensor;

  constructor(
    readonly dModel: number,
    readonly dFF: number,
    options: FFNOptions = {},
  ) {
    super(options);
    this.act = activation(options.activation ?? 'relu');
    this.linear1 = this.child('linear1', new Linear(dModel, dFF, this.childOptions));
    this.linear2 = this.child('linear2', new Linear(dFF, dModel, this.childOptions));
    this.drop = this.child('dropout', new Dropout(options.dropout ?? 0, this.childOptions));
  }

  override get layerName(): string {
    return `PositionwiseFFN(dModel=${this.dModel}, dFF=${this.dFF})`;
  }

  /** Applies the block to x [..., dModel]. */
  forward(x: Tensor): Tensor {
    return this.engine.tidy(() => this.linear2.forward(this.drop.forward(this.act(this.linear1.forward(x)))));
  }
}
