/**
 * Running the layers package's `LSTM`/`GRU` parameter sets step by step, for the recurrent
 * models: device-side masks (padding skipped without reading the mask back), per-step
 * inputs that depend on earlier outputs (Bahdanau attention, decoding sessions), and
 * dropout between layers. The parameters stay those of the `LSTM`/`GRU` module
 * (PyTorch names: `weight_ih_l0`, `weight_hh_l0_reverse`, …), so checkpoints keep
 * PyTorch's layout.
 */
import { arange, concat, expandDims, gather, lstmSequence, reshape, slice, stack, transpose, unstack, where, zeros, type Tensor } from '@heed/core';
import { GRU, LSTM, lstmWeights, prepareStep, type ModuleOptions, type StepFn } from '@heed/layers';

/** The recurrent cells the models offer. */
export type CellType = 'gru' | 'lstm';

/** The recurrent cells, for config validation. */
export const CELL_TYPES: readonly CellType[] = ['gru', 'lstm'];

/** A recurrent state: `h` (and `c` for an LSTM), each [layers·directions, batch, hidden]. */
export interface RNNState {
  h: Tensor;
  c?: Tensor;
}

/** A multi-layer recurrent parameter set (no dropout of its own: the models apply theirs). */
export function createRecurrent(
  cell: CellType,
  input: number,
  hidden: number,
  layers: number,
  bidirectional: boolean,
  options: ModuleOptions,
): LSTM | GRU {
  const o = { ...options, numLayers: layers, bidirectional, batchFirst: true };
  return cell === 'lstm' ? new LSTM(input, hidden, o) : new GRU(input, hidden, o);
}

/**
 * The step function of every (layer, direction) of `rnn`, index layer·directions +
 * direction. The prepared (transposed) weights are made in the caller's scope.
 */
export function prepareSteps(rnn: LSTM | GRU): StepFn[] {
  const params = new Map(rnn.namedParameters());
  const steps: StepFn[] = [];
  for (let l = 0; l < rnn.numLayers; l++) {
    for (let d = 0; d < rnn.numDirections; d++) {
      const sfx = `_l${l}${d === 1 ? '_reverse' : ''}`;
      const p = (n: string): Tensor | undefined => params.get(`${n}${sfx}`);
      const weights = { weightIh: p('weight_ih')!, weightHh: p('weight_hh')!, biasIh: p('bias_ih'), biasHh: p('bias_hh') };
      steps.push(prepareStep(rnn.kind, weights, rnn.hiddenSize, {}, rnn.engine));
    }
  }
  return steps;
}

/** A zero state for `rows` rows. */
export function zeroState(rnn: LSTM | GRU, rows: number): RNNState {
  const shape = [rnn.numLayers * rnn.numDirections, rows, rnn.hiddenSize];
  const h = zeros(shape, 'float32', { engine: rnn.engine });
  return rnn.kind === 'lstm' ? { h, c: zeros(shape, 'float32', { engine: rnn.engine }) } : { h };
}

/** Options of `runRecurrent`. */
export interface RunOptions {
  /** Initial state (default zeros). */
  state?: RNNState;
  /** bool [batch, time], true = a real step; masked steps keep the state and output zeros. */
  mask?: Tensor;
  /** Applied to each layer's outputs before the next layer reads them (dropout). */
  between?: (x: Tensor) => Tensor;
}

/**
 * Runs `x` [batch, time, input] through every layer (a bidirectional layer's reverse
 * direction reads from the end back) → outputs [batch, time, directions·hidden] of the
 * top layer and the final state. Where `mask` is false the state is carried over and the
 * output is zero, so right-padded rows end in the state of their last real step.
 */
export function runRecurrent(rnn: LSTM | GRU, steps: StepFn[], x: Tensor, options: RunOptions = {}): { output: Tensor; state: RNNState } {
  const [b, T] = x.shape as [number, number];
  if (rnn.kind === 'lstm' && !options.mask && T > 0) return runLstmSequence(rnn, x, options);
  const lstm = rnn.kind === 'lstm';
  const dirs = rnn.numDirections;
  const init = options.state ?? zeroState(rnn, b);
  const h0 = unstack(init.h, 0);
  const c0 = init.c ? unstack(init.c, 0) : [];
  const valid = options.mask ? Array.from({ length: T }, (_, t) => reshape(slice(options.mask!, [0, t], [b, 1]), [b, 1])) : undefined;
  let xs = T === 0 ? [] : unstack(x, 1);
  const hn: Tensor[] = [];
  const cn: Tensor[] = [];
  for (let l = 0; l < rnn.numLayers; l++) {
    const outs: Tensor[][] = [];
    for (let d = 0; d < dirs; d++) {
      const idx = l * dirs + d;
      let states = lstm ? [h0[idx]!, c0[idx]!] : [h0[idx]!];
      const ys: Tensor[] = new Array<Tensor>(T);
      for (let s = 0; s < T; s++) {
        const t = d === 0 ? s : T - 1 - s;
        const next = steps[idx]!(xs[t]!, states);
        const m = valid?.[t];
        if (m) {
          const prev = states;
          states = next.map((n, i) => where(m, n, prev[i]!));
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
    xs = dirs === 1 ? outs[0]! : outs[0]!.map((y, t) => concat([y, outs[1]![t]!], -1));
    if (options.between && l < rnn.numLayers - 1) xs = xs.map(options.between);
  }
  const output = T === 0 ? zeros([b, 0, dirs * rnn.hiddenSize], 'float32', { engine: rnn.engine }) : stack(xs, 1);
  return { output, state: { h: stack(hn, 0), ...(lstm && { c: stack(cn, 0) }) } };
}

/**
 * One step of a unidirectional stack: x [batch, input] and the state → the top layer's
 * output [batch, hidden] and the new state. Same math as `runRecurrent` on one step.
 */
export function stepRecurrent(
  rnn: LSTM | GRU,
  steps: StepFn[],
  x: Tensor,
  state: RNNState,
  between?: (x: Tensor) => Tensor,
): { output: Tensor; state: RNNState } {
  const lstm = rnn.kind === 'lstm';
  const L = rnn.numLayers;
  const layers = (s: Tensor): Tensor[] => (L === 1 ? [reshape(s, s.shape.slice(1))] : unstack(s, 0));
  const hs = layers(state.h);
  const cs = state.c ? layers(state.c) : [];
  const hn: Tensor[] = [];
  const cn: Tensor[] = [];
  let input = x;
  for (let l = 0; l < rnn.numLayers; l++) {
    const next = steps[l]!(input, lstm ? [hs[l]!, cs[l]!] : [hs[l]!]);
    hn.push(next[0]!);
    if (lstm) cn.push(next[1]!);
    input = between && l < rnn.numLayers - 1 ? between(next[0]!) : next[0]!;
  }
  const join = (xs: Tensor[]): Tensor => (L === 1 ? expandDims(xs[0]!, 0) : stack(xs, 0));
  return { output: input, state: { h: join(hn), ...(lstm && { c: join(cn) }) } };
}

/** The top layer's hidden state [batch, hidden] of a unidirectional state. */
export function topHidden(state: RNNState): Tensor {
  const L = state.h.shape[0]!;
  if (L === 1) return reshape(state.h, state.h.shape.slice(1));
  return reshape(slice(state.h, [L - 1, 0, 0], [1, -1, -1]), state.h.shape.slice(1));
}

/** Adds a time axis: [batch, d] → [batch, 1, d]. */
export const oneStep = (x: Tensor): Tensor => expandDims(x, 1);

/**
 * `runRecurrent` for an LSTM without a mask: one core `lstmSequence` per layer and
 * direction (the backend's fused whole-sequence kernel when it has one: all input
 * projections in one product, backpropagation through time in one kernel). Same math and
 * results as the step loop.
 */
function runLstmSequence(rnn: LSTM | GRU, x: Tensor, options: RunOptions): { output: Tensor; state: RNNState } {
  const [b, T] = x.shape as [number, number];
  const dirs = rnn.numDirections;
  const init = options.state ?? zeroState(rnn, b);
  const h0 = unstack(init.h, 0);
  const c0 = unstack(init.c!, 0);
  const params = new Map(rnn.namedParameters());
  const reversed = dirs === 2 ? arange(T - 1, -1, -1, 'int32', { engine: rnn.engine }) : undefined;
  let input = transpose(x, [1, 0, 2]); // [T, b, in]
  const hn: Tensor[] = [];
  const cn: Tensor[] = [];
  for (let l = 0; l < rnn.numLayers; l++) {
    const outs: Tensor[] = [];
    for (let d = 0; d < dirs; d++) {
      const idx = l * dirs + d;
      const sfx = `_l${l}${d === 1 ? '_reverse' : ''}`;
      const p = (n: string): Tensor | undefined => params.get(`${n}${sfx}`);
      const weights = { weightIh: p('weight_ih')!, weightHh: p('weight_hh')!, biasIh: p('bias_ih'), biasHh: p('bias_hh') };
      const { w, r, bias } = lstmWeights(weights, rnn.hiddenSize, rnn.engine);
      const res = lstmSequence(d === 0 ? input : gather(input, reversed!, 0), h0[idx]!, c0[idx]!, w, r, bias);
      hn.push(res.h);
      cn.push(res.c);
      outs.push(d === 0 ? res.y : gather(res.y, reversed!, 0));
    }
    input = outs.length === 1 ? outs[0]! : concat(outs, -1);
    if (options.between && l < rnn.numLayers - 1) input = options.between(input);
  }
  return { output: transpose(input, [1, 0, 2]), state: { h: stack(hn, 0), c: stack(cn, 0) } };
}
