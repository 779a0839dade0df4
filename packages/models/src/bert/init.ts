import { randomNormal, zeros, gelu, relu, tanh, type Tensor } from '@heed/core';
import type { Linear, Module } from '@heed/layers';
import type { BertConfig } from './config.js';

/**
 * Re-initialises a Linear as HF's `BertPreTrainedModel._init_weights` does: weight from
 * N(0, std²), bias zero. (Linear's own init is PyTorch's uniform one.)
 */
export function initLinear(layer: Linear, std: number, rng: Module['rng']): Linear {
  const w = randomNormal(layer.weight.shape, 0, std, { rng, engine: layer.engine });
  layer.weight.assign(w);
  w.dispose();
  if (layer.bias) {
    const b = zeros(layer.bias.shape, 'float32', { engine: layer.engine });
    layer.bias.assign(b);
    b.dispose();
  }
  return layer;
}

/** The activation `hidden_act` names (`gelu` is the exact erf form, as in HF). */
export function activation(config: BertConfig, x: Tensor): Tensor {
  switch (config.hidden_act) {
    case 'gelu':
    case 'gelu_python':
      return gelu(x);
    case 'gelu_new':
    case 'gelu_pytorch_tanh':
      return gelu(x, 'tanh');
    case 'relu':
      return relu(x);
    default:
      return tanh(x);
  }
}
