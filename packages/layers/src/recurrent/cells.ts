import { ShapeError, zeros, type Tensor, type Variable } from '@heed/core';
import { fmt } from '../check.js';
import { Module, type ModuleOptions } from '../module.js';
import { GATES, prepareStep, type CellKind, type CellMath } from './step.js';

/** Options of the recurrent cells and sequence layers. */
export interface RecurrentOptions extends ModuleOptions, CellMath {
  /** Learn input and hidden biases (default true). */
  bias?: boolean;
}

/**
 * Shared base of the single-step cells: parameters `weight_ih` [gates·hidden, input],
 * `weight_hh` [gates·hidden, hidden], `bias_ih`, `bias_hh` [gates·hidden] (PyTorch names,
 * layout and gate order), plus `weight_peephole` [3, hidden] (i, f, o) for a peephole LSTM.
 */
abstract class CellBase extends Module {
  readonly weightIh: Variable;
  readonly weightHh: Variable;
  readonly biasIh: Variable | undefined;
  readonly biasHh: Variable | undefined;
  readonly peephole: Variable | undefined;

  protected constructor(
    readonly kind: CellKind,
    readonly inputSize: number,
    readonly hiddenSize: number,
    protected readonly math: CellMath,
    options: RecurrentOptions,
  ) {
    super(options);
    const g = GATES[kind] * hiddenSize;
    const k = 1 / Math.sqrt(hiddenSize);
    this.weightIh = this.paramUniform('weight_ih', [g, inputSize], k);
    this.weightHh = this.paramUniform('weight_hh', [g, hiddenSize], k);
    this.biasIh = options.bias === false ? undefined : this.paramUniform('bias_ih', [g], k);
    this.biasHh = options.bias === false ? undefined : this.paramUniform('bias_hh', [g], k);
    this.peephole = kind === 'lstm' && math.peephole ? this.paramUniform('weight_peephole', [3, hiddenSize], k) : undefined;
  }

  override get layerName(): string {
    return `${this.constructor.name}(input=${this.inputSize}, hidden=${this.hiddenSize})`;
  }

  protected run(x: Tensor, states: (Tensor | undefined)[]): Tensor[] {
    const b = x.shape[0] ?? 0;
    if (x.rank !== 2 || x.shape[1] !== this.inputSize) throw new ShapeError(`${this.layerName}: x must be [batch, ${this.inputSize}], got ${fmt(x.shape)}`);
    const names = ['h', 'c'];
    states.forEach((s, i) => {
      if (s && (s.rank !== 2 || s.shape[0] !== b || s.shape[1] !== this.hiddenSize)) {
        throw new ShapeError(`${this.layerName}: state ${names[i]} must be [${b}, ${this.hiddenSize}] (batch, hidden), got ${fmt(s.shape)}`);
      }
    });
    return this.engine.tidy(() => {
      const full = states.map((s) => s ?? zeros([b, this.hiddenSize], 'float32', { engine: this.engine }));
      const step = prepareStep(
        this.kind,
        { weightIh: this.weightIh, weightHh: this.weightHh, biasIh: this.biasIh, biasHh: this.biasHh, peephole: this.peephole },
        this.hiddenSize,
        this.math,
        this.engine,
      );
      return step(x, full);
    });
  }
}

/** Elman RNN cell: h' = act(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh), act tanh (default) or relu. */
export class RNNCell extends CellBase {
  constructor(inputSize: number, hiddenSize: number, options: RecurrentOptions = {}) {
    super('rnn', inputSize, hiddenSize, { nonlinearity: options.nonlinearity ?? 'tanh' }, options);
  }

  /** One step: x [batch, input], h [batch, hidden] (zeros when omitted) → h'. */
  forward(x: Tensor, h?: Tensor): Tensor {
    return this.run(x, [h])[0]!;
  }
}

/** LSTM cell (gates i, f, g, o), optionally with peephole connections. */
export class LSTMCell extends CellBase {
  constructor(inputSize: number, hiddenSize: number, options: RecurrentOptions = {}) {
    super('lstm', inputSize, hiddenSize, { peephole: options.peephole ?? false }, options);
  }

  /** One step → { h, c }; the state defaults to zeros. */
  forward(x: Tensor, state: { h?: Tensor; c?: Tensor } = {}): { h: Tensor; c: Tensor } {
    const [h, c] = this.run(x, [state.h, state.c]);
    return { h: h!, c: c! };
  }
}

/** GRU cell (gates r, z, n), linear-before-reset (default) or the original formulation. */
export class GRUCell extends CellBase {
  constructor(inputSize: number, hiddenSize: number, options: RecurrentOptions = {}) {
    super('gru', inputSize, hiddenSize, { linearBeforeReset: options.linearBeforeReset ?? true }, options);
  }

  /** One step: x [batch, input], h [batch, hidden] (zeros when omitted) → h'. */
  forward(x: Tensor, h?: Tensor): Tensor {
    return this.run(x, [h])[0]!;
  }
}
