import { ArgumentError, ShapeError, arange, concat, gather, lstmSequence, stack, tensor, transpose, unstack, where, zeros, type Tensor, type Variable } from '@heed/core';
import { fmt } from '../check.js';
import { Dropout } from '../dropout.js';
import { Module } from '../module.js';
import type { RecurrentOptions } from './cells.js';
import { GATES, lstmWeights, prepareStep, type CellKind, type CellMath } from './step.js';

/** Options of the sequence layers `RNN`, `LSTM`, `GRU`. */
export interface SequenceOptions extends RecurrentOptions {
  /** Stacked layers (default 1); layer l+1 reads layer l's (concatenated) outputs. */
  numLayers?: number;
  /** Run a second, reversed direction per layer and concatenate (default false). */
  bidirectional?: boolean;
  /** Inputs and outputs are [batch, time, …] instead of [time, batch, …] (default false). */
  batchFirst?: boolean;
  /** Dropout on each layer's outputs except the last, in training mode (default 0). */
  dropout?: number;
}

/** Per-call inputs besides the sequence. */
export interface SequenceInputs {
  /** Initial hidden states [numLayers·numDirections, batch, hidden] (default zeros). */
  h0?: Tensor;
  /** LSTM initial cell states, same shape as h0 (default zeros). */
  c0?: Tensor;
  /**
   * Valid length of each sequence (batch entries, each in [0, time]). Outputs past a
   * sequence's length are zero and its final states are those of its last valid step
   * (for the reverse direction: of step 0 after reading from its last valid step back),
   * as ONNX's `sequence_lens`.
   */
  lengths?: readonly number[] | Int32Array;
}

/** Outputs of a sequence layer. */
export interface SequenceOutputs {
  /** [time, batch, numDirections·hidden] (or batch-first): every step's top-layer output. */
  output: Tensor;
  /** Final hidden states [numLayers·numDirections, batch, hidden]; index = layer·numDirections + direction. */
  h: Tensor;
  /** LSTM final cell states, same layout as `h`. */
  c?: Tensor;
}

/**
 * Base of the multi-layer, optionally bidirectional sequence layers. Parameters follow
 * PyTorch's names and layout: `weight_ih_l{k}[_reverse]` [gates·hidden, input_k],
 * `weight_hh_l{k}[_reverse]`, `bias_ih_l{k}[_reverse]`, `bias_hh_l{k}[_reverse]`, and for a
 * peephole LSTM `weight_peephole_l{k}[_reverse]` [3, hidden] (rows i, f, o).
 */
export abstract class RecurrentLayer extends Module {
  readonly numLayers: number;
  readonly numDirections: 1 | 2;
  readonly batchFirst: boolean;
  private readonly dirs: { weightIh: Variable; weightHh: Variable; biasIh?: Variable; biasHh?: Variable; peephole?: Variable }[] = [];
  private readonly drop: Dropout | undefined;

  protected constructor(
    readonly kind: CellKind,
    readonly inputSize: number,
    readonly hiddenSize: number,
    protected readonly math: CellMath,
    options: SequenceOptions,
  ) {
    super(options);
    this.numLayers = options.numLayers ?? 1;
    this.numDirections = options.bidirectional ? 2 : 1;
    this.batchFirst = options.batchFirst ?? false;
    if (!(Number.isInteger(this.numLayers) && this.numLayers >= 1)) throw new ArgumentError(`${kind.toUpperCase()}: numLayers must be a positive integer, got ${this.numLayers}`);
    const g = GATES[kind] * hiddenSize;
    const k = 1 / Math.sqrt(hiddenSize);
    for (let l = 0; l < this.numLayers; l++) {
      const inSize = l === 0 ? inputSize : hiddenSize * this.numDirections;
      for (let d = 0; d < this.numDirections; d++) {
        const sfx = `_l${l}${d === 1 ? '_reverse' : ''}`;
        const weightIh = this.paramUniform(`weight_ih${sfx}`, [g, inSize], k);
        const weightHh = this.paramUniform(`weight_hh${sfx}`, [g, hiddenSize], k);
        const biasIh = options.bias === false ? undefined : this.paramUniform(`bias_ih${sfx}`, [g], k);
        const biasHh = options.bias === false ? undefined : this.paramUniform(`bias_hh${sfx}`, [g], k);
        const peephole = kind === 'lstm' && math.peephole ? this.paramUniform(`weight_peephole${sfx}`, [3, hiddenSize], k) : undefined;
        this.dirs.push({ weightIh, weightHh, ...(biasIh && { biasIh }), ...(biasHh && { biasHh }), ...(peephole && { peephole }) });
      }
    }
    this.drop = options.dropout ? this.child('dropout', new Dropout(options.dropout, this.childOptions)) : undefined;
  }

  override get layerName(): string {
    return `${this.constructor.name}(input=${this.inputSize}, hidden=${this.hiddenSize}, layers=${this.numLayers}${this.numDirections === 2 ? ', bidirectional' : ''})`;
  }

  /** @internal the raw parameters of layer·directions + direction `idx`. */
  directionParams(idx: number): RecurrentLayer['dirs'][number] {
    return this.dirs[idx]!;
  }

  /** @internal dropout between stacked layers (training mode, not after the last layer). */
  dropBetween(y: Tensor, layer: number): Tensor {
    return this.drop && layer < this.numLayers - 1 && this.training ? this.drop.forward(y) : y;
  }

  private lstmLayers(x: Tensor, h0s: Tensor[] | undefined, c0s: Tensor[] | undefined): SequenceOutputs {
    return lstmLayersOf.call(this, x, h0s, c0s);
  }

  /** Runs the whole sequence. */
  protected runSequence(x: Tensor, inputs: SequenceInputs): SequenceOutputs {
    const lstm = this.kind === 'lstm';
    if (x.rank !== 3 || x.shape[2] !== this.inputSize) {
      throw new ShapeError(`${this.layerName}: input must be ${this.batchFirst ? '[batch, time' : '[time, batch'}, ${this.inputSize}], got ${fmt(x.shape)}`);
    }
    const [T, B] = this.batchFirst ? [x.shape[1]!, x.shape[0]!] : [x.shape[0]!, x.shape[1]!];
    const nStates = this.numLayers * this.numDirections;
    const stateShape = [nStates, B, this.hiddenSize];
    for (const [name, s] of [['h0', inputs.h0], ['c0', inputs.c0]] as const) {
      if (!s) continue;
      if (name === 'c0' && !lstm) throw new ArgumentError(`${this.layerName}: c0 is only for LSTM`);
      if (s.rank !== 3 || s.shape.some((d, i) => d !== stateShape[i])) {
        throw new ShapeError(`${this.layerName}: ${name} must be ${fmt(stateShape)} (layers·directions, batch, hidden), got ${fmt(s.shape)}`);
      }
    }
    const lengths = inputs.lengths ? Array.from(inputs.lengths) : undefined;
    if (lengths && (lengths.length !== B || lengths.some((n) => !(Number.isInteger(n) && n >= 0 && n <= T)))) {
      throw new ShapeError(`${this.layerName}: lengths must hold ${B} integers in [0, ${T}] (one per batch entry), got [${lengths.join(',')}]`);
    }
    return this.engine.tidy(() => {
      const opts = { engine: this.engine };
      // valid[t]: bool [B, 1], true where step t is inside the sequence.
      const valid = lengths?.some((n) => n < T)
        ? Array.from({ length: T }, (_, t) => tensor(lengths.map((n) => t < n), [B, 1], 'bool', opts))
        : undefined;
      const h0s = inputs.h0 ? unstack(inputs.h0, 0) : undefined;
      const c0s = inputs.c0 ? unstack(inputs.c0, 0) : undefined;
      // A standard LSTM over full-length sequences runs each layer and direction as one op.
      if (lstm && !this.math.peephole && !valid) return this.lstmLayers(this.batchFirst ? transpose(x, [1, 0, 2]) : x, h0s, c0s);
      let xs = unstack(this.batchFirst ? transpose(x, [1, 0, 2]) : x, 0);
      const hn: Tensor[] = [];
      const cn: Tensor[] = [];
      for (let l = 0; l < this.numLayers; l++) {
        const outs: Tensor[][] = [];
        for (let d = 0; d < this.numDirections; d++) {
          const idx = l * this.numDirections + d;
          const step = prepareStep(this.kind, this.dirs[idx]!, this.hiddenSize, this.math, this.engine);
          let states = [h0s?.[idx] ?? zeros([B, this.hiddenSize], 'float32', opts)];
          if (lstm) states.push(c0s?.[idx] ?? zeros([B, this.hiddenSize], 'float32', opts));
          const ys: Tensor[] = new Array(T);
          for (let s = 0; s < T; s++) {
            const t = d === 0 ? s : T - 1 - s;
            const next = step(xs[t]!, states);
            const m = valid?.[t];
            if (m) {
              states = next.map((n, i) => where(m, n, states[i]!));
              ys[t] = where(m, next[0]!, 0);
            } else {
              states = next;
              ys[t] = next[0]!;
            }
          }
          hn.push(states[0]!);
          if (lstm) cn.push(states[1]!);
          outs.push(ys);
        }
        xs = this.numDirections === 1 ? outs[0]! : outs[0]!.map((y, t) => concat([y, outs[1]![t]!], -1));
        if (this.drop && l < this.numLayers - 1 && this.training) xs = xs.map((y) => this.drop!.forward(y));
      }
      const out = stack(xs, 0);
      return {
        output: this.batchFirst ? transpose(out, [1, 0, 2]) : out,
        h: stack(hn, 0),
        ...(lstm ? { c: stack(cn, 0) } : {}),
      };
    });
  }
}

/**
 * The layers of a standard LSTM through core's `lstmSequence` (one op per layer and
 * direction: the backend's fused sequence kernel when it has one), x time-major [T, B, in].
 */
function lstmLayersOf(this: RecurrentLayer, x: Tensor, h0s: Tensor[] | undefined, c0s: Tensor[] | undefined): SequenceOutputs {
  const [T, B] = x.shape as [number, number];
  const opts = { engine: this.engine };
  const reversed = this.numDirections === 2 ? arange(T - 1, -1, -1, 'int32', opts) : undefined;
  const hn: Tensor[] = [];
  const cn: Tensor[] = [];
  let input = x;
  for (let l = 0; l < this.numLayers; l++) {
    const outs: Tensor[] = [];
    for (let d = 0; d < this.numDirections; d++) {
      const idx = l * this.numDirections + d;
      const { w, r, bias } = lstmWeights(this.directionParams(idx), this.hiddenSize, this.engine);
      const h0 = h0s?.[idx] ?? zeros([B, this.hiddenSize], 'float32', opts);
      const c0 = c0s?.[idx] ?? zeros([B, this.hiddenSize], 'float32', opts);
      const res = lstmSequence(d === 0 ? input : gather(input, reversed!, 0), h0, c0, w, r, bias);
      hn.push(res.h);
      cn.push(res.c);
      outs.push(d === 0 ? res.y : gather(res.y, reversed!, 0));
    }
    input = outs.length === 1 ? outs[0]! : concat(outs, -1);
    input = this.dropBetween(input, l);
  }
  return { output: this.batchFirst ? transpose(input, [1, 0, 2]) : input, h: stack(hn, 0), c: stack(cn, 0) };
}

/** Multi-layer Elman RNN with tanh (default) or relu. */
export class RNN extends RecurrentLayer {
  constructor(inputSize: number, hiddenSize: number, options: SequenceOptions = {}) {
    super('rnn', inputSize, hiddenSize, { nonlinearity: options.nonlinearity ?? 'tanh' }, options);
  }

  /** Runs x [time, batch, input] (or batch-first) → { output, h }. */
  forward(x: Tensor, inputs: SequenceInputs = {}): SequenceOutputs {
    return this.runSequence(x, inputs);
  }
}

/** Multi-layer LSTM (gates i, f, g, o), optionally with peephole connections. */
export class LSTM extends RecurrentLayer {
  constructor(inputSize: number, hiddenSize: number, options: SequenceOptions = {}) {
    super('lstm', inputSize, hiddenSize, { peephole: options.peephole ?? false }, options);
  }

  /** Runs x [time, batch, input] (or batch-first) → { output, h, c }. */
  forward(x: Tensor, inputs: SequenceInputs = {}): Required<SequenceOutputs> {
    return this.runSequence(x, inputs) as Required<SequenceOutputs>;
  }
}

/** Multi-layer GRU (gates r, z, n), linear-before-reset (default, as PyTorch) or the original formulation. */
export class GRU extends RecurrentLayer {
  constructor(inputSize: number, hiddenSize: number, options: SequenceOptions = {}) {
    super('gru', inputSize, hiddenSize, { linearBeforeReset: options.linearBeforeReset ?? true }, options);
  }

  /** Runs x [time, batch, input] (or batch-first) → { output, h }. */
  forward(x: Tensor, inputs: SequenceInputs = {}): SequenceOutputs {
    return this.runSequence(x, inputs);
  }
}
