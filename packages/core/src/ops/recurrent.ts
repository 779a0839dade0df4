import { vjp } from '../autograd.js';
import { ShapeError } from '../errors.js';
import { fmt } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { add, mul, sigmoid, sub, tanh } from './elementwise.js';
import { full } from './creation.js';
import { fusedOrComposite } from './fused.js';
import { matmul } from './matmul.js';
import { split, stack, unstack } from './movement.js';
import { reshape } from './reshape.js';
import { sum } from './reduce.js';
import { expectDType, expectTensor, run1 } from './util.js';

function lstmComposite(x: Tensor, h: Tensor, c: Tensor, w: Tensor, r: Tensor, bias: Tensor): [Tensor, Tensor] {
  const gates = add(add(matmul(x, w), matmul(h, r)), bias);
  const [i, f, g, o] = split(gates, 4, -1) as [Tensor, Tensor, Tensor, Tensor];
  const c2 = add(mul(sigmoid(f), c), mul(sigmoid(i), tanh(g)));
  const h2 = mul(sigmoid(o), tanh(c2));
  return [h2, c2];
}

function checkCell(
  op: string,
  x: Tensor,
  h: Tensor,
  w: Tensor,
  r: Tensor,
  gates: number,
  extra: [Tensor, string, number[]][],
  /** The per-step input shape [batch, input] (x's own shape for a cell). */
  xs: readonly number[] = x.shape,
): void {
  for (const t of [x, h, w, r, ...extra.map((e) => e[0])]) {
    expectTensor(op, t);
    expectDType(op, t, 'float32');
  }
  const hidden = h.shape[1];
  if (xs.length !== 2 || h.rank !== 2 || h.shape[0] !== xs[0] || hidden === undefined) {
    throw new ShapeError(`${op}: x must be [batch, input] and h [batch, hidden], got ${fmt(xs)} and ${fmt(h.shape)}`);
  }
  if (w.rank !== 2 || w.shape[0] !== xs[1] || w.shape[1] !== gates * hidden) {
    throw new ShapeError(`${op}: w must be [${xs[1]}, ${gates * hidden}] (input, ${gates}·hidden), got ${fmt(w.shape)}`);
  }
  if (r.rank !== 2 || r.shape[0] !== hidden || r.shape[1] !== gates * hidden) {
    throw new ShapeError(`${op}: r must be [${hidden}, ${gates * hidden}] (hidden, ${gates}·hidden), got ${fmt(r.shape)}`);
  }
  for (const [t, name, shape] of extra) {
    if (t.rank !== shape.length || t.shape.some((d, i) => d !== shape[i])) throw new ShapeError(`${op}: ${name} must be ${fmt(shape)}, got ${fmt(t.shape)}`);
  }
}

/** Sums the VJPs of a multi-output composite: d/dinputs of Σₖ Σ outₖ·dyₖ. */
function vjpN(f: (...xs: Tensor[]) => Tensor[], xs: Tensor[], dys: readonly Tensor[]): Tensor[] {
  return vjp(
    (...args) => {
      const outs = f(...args);
      let total = sum(mul(outs[0]!, dys[0]!));
      for (let k = 1; k < outs.length; k++) total = add(total, sum(mul(outs[k]!, dys[k]!)));
      return total;
    },
    xs,
    full([], 1, 'float32', { engine: xs[0]!.engine }),
  );
}

/**
 * One LSTM step: gates = x·w + h·r + bias split as i, f, g, o;
 * c' = σ(f)·c + σ(i)·tanh(g); h' = σ(o)·tanh(c'). Returns [h', c'].
 */
export function lstmCell(x: Tensor, h: Tensor, c: Tensor, w: Tensor, r: Tensor, bias: Tensor): [Tensor, Tensor] {
  const hidden = h.shape[1] ?? 0;
  checkCell('lstmCell', x, h, w, r, 4, [
    [c, 'c', [x.shape[0] ?? 0, hidden]],
    [bias, 'bias', [4 * hidden]],
  ]);
  const [h2, c2] = x.engine.run({
    name: 'lstmCell',
    inputs: [x, h, c, w, r, bias],
    forward: (be) => fusedOrComposite(be, be.lstmCell && ((b) => b.lstmCell!(x, h, c, w, r, bias)), () => lstmComposite(x, h, c, w, r, bias), x.engine),
    backward: (dys, saved) => {
      const s = saved.inputs as [Tensor, Tensor, Tensor, Tensor, Tensor, Tensor];
      if (x.engine.backend.lstmCellBackward) {
        return x.engine.run({ name: 'lstmCellBackward', inputs: [...s, dys[0]!, dys[1]!], forward: (b) => b.lstmCellBackward!(...s, dys[0]!, dys[1]!) });
      }
      return vjpN((...a) => lstmComposite(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!), [...s], dys);
    },
  }) as [Tensor, Tensor];
  return [h2, c2];
}

function gruComposite(x: Tensor, h: Tensor, w: Tensor, r: Tensor, bw: Tensor, br: Tensor): Tensor {
  const [xz, xr, xn] = split(add(matmul(x, w), bw), 3, -1) as [Tensor, Tensor, Tensor];
  const [hz, hr, hn] = split(add(matmul(h, r), br), 3, -1) as [Tensor, Tensor, Tensor];
  const z = sigmoid(add(xz, hz));
  const rg = sigmoid(add(xr, hr));
  const n = tanh(add(xn, mul(rg, hn)));
  return add(mul(sub(1, z), n), mul(z, h));
}

/**
 * One GRU step in the linear-before-reset form (PyTorch; ONNX with linear_before_reset=1):
 * z = σ(x·w_z + bw_z + h·r_z + br_z), r = σ(…), n = tanh(x·w_n + bw_n + r·(h·r_n + br_n)),
 * h' = (1 − z)·n + z·h.
 */
export function gruCell(x: Tensor, h: Tensor, w: Tensor, r: Tensor, bw: Tensor, br: Tensor): Tensor {
  const hidden = h.shape[1] ?? 0;
  checkCell('gruCell', x, h, w, r, 3, [
    [bw, 'bw', [3 * hidden]],
    [br, 'br', [3 * hidden]],
  ]);
  return run1(x.engine, {
    name: 'gruCell',
    inputs: [x, h, w, r, bw, br],
    forward: (be) => fusedOrComposite(be, be.gruCell && ((b) => b.gruCell!(x, h, w, r, bw, br)), () => gruComposite(x, h, w, r, bw, br), x.engine),
    backward: (dys, saved) => {
      const s = saved.inputs as [Tensor, Tensor, Tensor, Tensor, Tensor, Tensor];
      if (x.engine.backend.gruCellBackward) {
        return x.engine.run({ name: 'gruCellBackward', inputs: [...s, dys[0]!], forward: (b) => b.gruCellBackward!(...s, dys[0]!) });
      }
      return vjp((...a) => gruComposite(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!), [...s], dys[0]!);
    },
  });
}

/** Outputs of {@link lstmSequence}. */
export interface LstmSequenceResult {
  /** Hidden state of every step, [T, batch, hidden]. */
  y: Tensor;
  /** Last hidden state [batch, hidden] (h0 when T = 0). */
  h: Tensor;
  /** Last cell state [batch, hidden] (c0 when T = 0). */
  c: Tensor;
}

function lstmSequenceComposite(x: Tensor, h0: Tensor, c0: Tensor, w: Tensor, r: Tensor, bias: Tensor): [Tensor, Tensor, Tensor] {
  let h = h0;
  let c = c0;
  const ys: Tensor[] = [];
  for (const xt of unstack(x, 0)) {
    [h, c] = lstmCell(xt, h, c, w, r, bias);
    ys.push(h);
  }
  const y = ys.length ? stack(ys, 0) : full([0, ...h0.shape], 0, 'float32', { engine: x.engine });
  return [y, h === h0 ? reshape(h0, h0.shape) : h, c === c0 ? reshape(c0, c0.shape) : c];
}

/**
 * An LSTM over a whole sequence: {@link lstmCell} applied to every step of x [T, batch, in]
 * from (h0, c0), with the same weights and gate order. One op instead of T: a backend with
 * the fused `lstmSequence` kernel projects all inputs in one matmul, keeps the recurrent
 * weights packed across steps, and backpropagates through time in one kernel
 * (`lstmSequenceBackward`); other backends run the per-step cells.
 */
export function lstmSequence(x: Tensor, h0: Tensor, c0: Tensor, w: Tensor, r: Tensor, bias: Tensor): LstmSequenceResult {
  expectTensor('lstmSequence', x, 'x');
  expectDType('lstmSequence', x, 'float32');
  if (x.rank !== 3) throw new ShapeError(`lstmSequence: x must be [time, batch, input], got ${fmt(x.shape)}`);
  const [, B, I] = x.shape as [number, number, number];
  const hidden = h0.shape[1] ?? 0;
  checkCell('lstmSequence', x, h0, w, r, 4, [[c0, 'c0', [B, hidden]], [bias, 'bias', [4 * hidden]]], [B, I]);
  const engine = x.engine;
  if (!engine.backend.lstmSequence) {
    const [y, h, c] = lstmSequenceComposite(x, h0, c0, w, r, bias);
    return { y, h, c };
  }
  const outs = engine.run({
    name: 'lstmSequence',
    inputs: [x, h0, c0, w, r, bias],
    forward: (be) => be.lstmSequence!(x, h0, c0, w, r, bias),
    saveOutputs: true,
    backward: (dys, saved) => {
      const [xs, h0s, c0s, ws, rs, bs] = saved.inputs as Tensor[];
      const [ys, , , gates, cells] = saved.outputs as Tensor[];
      if (engine.backend.lstmSequenceBackward) {
        return engine.run({
          name: 'lstmSequenceBackward',
          inputs: [xs!, h0s!, c0s!, ws!, rs!, ys!, gates!, cells!, dys[0]!, dys[1]!, dys[2]!],
          forward: (be) =>
            be.lstmSequenceBackward!(
              { x: xs!, h0: h0s!, c0: c0s!, w: ws!, r: rs! },
              { y: ys!, gates: gates!, cells: cells! },
              { dy: dys[0]!, dhLast: dys[1]!, dcLast: dys[2]! },
            ),
        });
      }
      return vjpN((...a) => lstmSequenceComposite(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!), [xs!, h0s!, c0s!, ws!, rs!, bs!], dys.slice(0, 3));
    },
  });
  // Gates and cell states live on in the tape's saved views only.
  outs[3]!.dispose();
  outs[4]!.dispose();
  return { y: outs[0]!, h: outs[1]!, c: outs[2]! };
}
