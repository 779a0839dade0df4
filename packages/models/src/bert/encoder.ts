import {
  DTypeError,
  ShapeError,
  add,
  dropout,
  matmul,
  maskedSoftmax,
  mul,
  reshape,
  scaledDotProductAttention,
  slice,
  softmax,
  tanh,
  transpose,
  type Tensor,
} from '@heed/core';
import { Dropout, LayerNorm, Linear, Module, ModuleList, type ModuleOptions } from '@heed/layers';
import type { BertConfig } from './config.js';
import { activation, initLinear } from './init.js';

function linear(owner: Module, inF: number, outF: number, config: BertConfig, options: ModuleOptions): Linear {
  return initLinear(new Linear(inF, outF, options), config.initializer_range, owner.rng);
}

/**
 * Multi-head self-attention with HF's parameter names (`query`, `key`, `value`, each
 * [hidden, hidden]). Scores are scaled by 1/√head_dim; padded keys are masked out;
 * attention-probability dropout applies in training mode.
 */
export class BertSelfAttention extends Module {
  readonly query: Linear;
  readonly key: Linear;
  readonly value: Linear;
  readonly heads: number;
  readonly headDim: number;

  constructor(
    readonly config: BertConfig,
    options: ModuleOptions = {},
  ) {
    super(options);
    const h = config.hidden_size;
    this.heads = config.num_attention_heads;
    this.headDim = h / this.heads;
    this.query = this.child('query', linear(this, h, h, config, this.childOptions));
    this.key = this.child('key', linear(this, h, h, config, this.childOptions));
    this.value = this.child('value', linear(this, h, h, config, this.childOptions));
  }

  private split(x: Tensor, b: number, s: number): Tensor {
    return transpose(reshape(x, [b, s, this.heads, this.headDim]), [0, 2, 1, 3]);
  }

  /** x [b, S, hidden]; `keyMask` bool [b, 1, 1, S] (true = real token) → context [b, S, hidden]. */
  forward(x: Tensor, keyMask?: Tensor): Tensor {
    const [b, s] = x.shape as [number, number, number];
    const q = this.split(this.query.forward(x), b, s);
    const k = this.split(this.key.forward(x), b, s);
    const v = this.split(this.value.forward(x), b, s);
    const rate = this.config.attention_probs_dropout_prob;
    let ctx: Tensor;
    if (this.training && rate > 0) {
      const scores = mul(matmul(q, k, { transB: true }), 1 / Math.sqrt(this.headDim));
      const probs = keyMask ? maskedSoftmax(scores, keyMask) : softmax(scores);
      ctx = matmul(dropout(probs, rate, { rng: this.rng }), v);
    } else {
      ctx = scaledDotProductAttention(q, k, v, keyMask ? { mask: keyMask } : {});
    }
    return reshape(transpose(ctx, [0, 2, 1, 3]), [b, s, this.config.hidden_size]);
  }
}

/** dense → dropout → LayerNorm(· + residual): HF's `BertSelfOutput` and `BertOutput`. */
export class BertResidualOutput extends Module {
  readonly dense: Linear;
  readonly LayerNorm: LayerNorm;
  readonly dropout: Dropout;

  constructor(config: BertConfig, inFeatures: number, options: ModuleOptions = {}) {
    super(options);
    this.dense = this.child('dense', linear(this, inFeatures, config.hidden_size, config, this.childOptions));
    this.LayerNorm = this.child('LayerNorm', new LayerNorm(config.hidden_size, { ...this.childOptions, eps: config.layer_norm_eps }));
    this.dropout = this.child('dropout', new Dropout(config.hidden_dropout_prob, this.childOptions));
  }

  /** LayerNorm(dropout(dense(x)) + residual). */
  forward(x: Tensor, residual: Tensor): Tensor {
    return this.LayerNorm.forward(add(this.dropout.forward(this.dense.forward(x)), residual));
  }
}

/** HF's `BertAttention`: `self` (the heads) and `output` (projection, residual, LayerNorm). */
export class BertAttention extends Module {
  readonly self: BertSelfAttention;
  readonly output: BertResidualOutput;

  constructor(config: BertConfig, options: ModuleOptions = {}) {
    super(options);
    this.self = this.child('self', new BertSelfAttention(config, this.childOptions));
    this.output = this.child('output', new BertResidualOutput(config, config.hidden_size, this.childOptions));
  }

  /** x [b, S, hidden] → [b, S, hidden]. */
  forward(x: Tensor, keyMask?: Tensor): Tensor {
    return this.output.forward(this.self.forward(x, keyMask), x);
  }
}

/** HF's `BertIntermediate`: dense [intermediate, hidden] then `hidden_act`. */
export class BertIntermediate extends Module {
  readonly dense: Linear;

  constructor(
    readonly config: BertConfig,
    options: ModuleOptions = {},
  ) {
    super(options);
    this.dense = this.child('dense', linear(this, config.hidden_size, config.intermediate_size, config, this.childOptions));
  }

  /** act(dense(x)). */
  forward(x: Tensor): Tensor {
    return activation(this.config, this.dense.forward(x));
  }
}

/** One encoder block (HF `BertLayer`): `attention`, `intermediate`, `output`. */
export class BertLayer extends Module {
  readonly attention: BertAttention;
  readonly intermediate: BertIntermediate;
  readonly output: BertResidualOutput;

  constructor(config: BertConfig, options: ModuleOptions = {}) {
    super(options);
    this.attention = this.child('attention', new BertAttention(config, this.childOptions));
    this.intermediate = this.child('intermediate', new BertIntermediate(config, this.childOptions));
    this.output = this.child('output', new BertResidualOutput(config, config.intermediate_size, this.childOptions));
  }

  /** x [b, S, hidden] → [b, S, hidden]. */
  forward(x: Tensor, keyMask?: Tensor): Tensor {
    const a = this.attention.forward(x, keyMask);
    return this.output.forward(this.intermediate.forward(a), a);
  }
}

/** The stack of `num_hidden_layers` blocks, named `layer.0`, `layer.1`, … (HF `BertEncoder`). */
export class BertEncoder extends Module {
  readonly layer: ModuleList<BertLayer>;

  constructor(config: BertConfig, options: ModuleOptions = {}) {
    super(options);
    const layers = Array.from({ length: config.num_hidden_layers }, () => new BertLayer(config, this.childOptions));
    this.layer = this.child('layer', new ModuleList(layers, this.childOptions));
  }

  /** Runs every block; `attentionMask` bool [b, S] (true = real token). */
  forward(x: Tensor, attentionMask?: Tensor): Tensor {
    let keyMask: Tensor | undefined;
    if (attentionMask) {
      if (attentionMask.dtype !== 'bool')
        throw new DTypeError(`BertEncoder: attentionMask must be bool (true = real token), got ${attentionMask.dtype}`);
      const [b, s] = x.shape as [number, number];
      if (attentionMask.rank !== 2 || attentionMask.shape[0] !== b || attentionMask.shape[1] !== s) {
        throw new ShapeError(`BertEncoder: attentionMask must be [${b}, ${s}] like inputIds, got [${attentionMask.shape.join(',')}]`);
      }
      keyMask = reshape(attentionMask, [b, 1, 1, s]);
    }
    let h = x;
    for (const l of this.layer.items) h = l.forward(h, keyMask);
    return h;
  }
}

/** HF's `BertPooler`: tanh(dense(hidden state of the first token)). */
export class BertPooler extends Module {
  readonly dense: Linear;

  constructor(config: BertConfig, options: ModuleOptions = {}) {
    super(options);
    this.dense = this.child('dense', linear(this, config.hidden_size, config.hidden_size, config, this.childOptions));
  }

  /** hidden [b, S, H] → [b, H]. */
  forward(hidden: Tensor): Tensor {
    const [b, , h] = hidden.shape as [number, number, number];
    return tanh(this.dense.forward(reshape(slice(hidden, [0, 0, 0], [b, 1, h]), [b, h])));
  }
}
