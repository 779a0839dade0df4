import { ArgumentError, gelu, relu, sigmoid, tanh, type Tensor } from '@heed/core';
import { Module, type ModuleOptions } from './module.js';

/** Names of the built-in activations. */
export type ActivationName = 'relu' | 'gelu' | 'gelu-tanh' | 'tanh' | 'sigmoid' | 'identity';

const ACTIVATIONS: Record<ActivationName, (x: Tensor) => Tensor> = {
  relu,
  gelu: (x) => gelu(x),
  'gelu-tanh': (x) => gelu(x, 'tanh'),
  tanh,
  sigmoid,
  identity: (x) => x,
};

/** The activation function called `name`; an unknown name lists the known ones. */
export function activation(name: ActivationName): (x: Tensor) => Tensor {
  const f = (ACTIVATIONS as Record<string, ((x: Tensor) => Tensor) | undefined>)[name];
  if (!f) throw new ArgumentError(`activation: unknown activation "${name}"; known: ${Object.keys(ACTIVATIONS).join(', ')}`);
  return f;
}

/** An activation as a (parameterless) module, for composing layers. */
export class Activation extends Module {
  private readonly fn: (x: Tensor) => Tensor;

  constructor(
    readonly kind: ActivationName,
    options: ModuleOptions = {},
  ) {
    super(options);
    this.fn = activation(kind);
  }

  override get layerName(): string {
    return `Activation(${this.kind})`;
  }

  /** Applies the activation elementwise. */
  forward(x: Tensor): Tensor {
    return this.fn(x);
  }
}
