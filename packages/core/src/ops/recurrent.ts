import { vjp } from '../autograd.js';
import { ShapeError } from '../errors.js';
import { fmt } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { add, mul, sigmoid, sub, tanh } from './elementwise.js';
import { full } from './creation.js';
import { fusedOrComposite } from './fused.js';
import { matmul } from './matmul.js';
import { split } from './movement.js';
import { sum } from './reduce.js';
import { expectDType, expectTensor, run1 } from './util.js';

function lstmComposite(x: Tensor, h: Tensor, c: Tensor, w: Tensor, r: Tensor, bias: Tensor): [Tensor, Tensor] {
  const gates = add(add(matmul(x, w), matmul(h, r)), bias);
  const [i, f, g, o] = split(gates, 4, -1) as [Tensor, Tensor, Tensor, Tensor];
  const c2 = add(mul(sigmoid(f), c), mul(sigmoid(i), tanh(g)));
  const h2 = mul(sigmoid(o), tanh(c2));
  return [h2, c2];
}

function checkCell(op: string, x: Tensor, h: Tensor, w: Tensor, r: Tensor, gates: number, extra: [Tensor, string, number[]][]): void {
  for (const t of [x, h, w, r, ...extra.map((e) => e[0])]) {
    expectTensor(op, t);
    expectDType(op, t, 'float32');
  }
  const hidden = h.shape[1];
  if (x.rank !== 2 || h.rank !== 2 || h.shape[0] !== x.shape[0] || hidden === undefined) {
    throw new ShapeError(`${op}: x must be [batch, input] and h [batch, hidden], got ${fmt(x.shape)} and ${fmt(h.shape)}`);
  }
  if (w.rank !== 2 || w.shape[0] !== x.shape[1] || w.shape[1] !== gates * hidden) {
    throw new ShapeError(`${op}: w must be [${x.shape[1]}, ${gates * hidden}] (input, ${gates}·hidden), got ${fmt(w.shape)}`);
  }
  if (r.rank !== 2 || r.shape[0] !== hidden || r.shape[1] !== gates * hidden) {
    throw new ShapeError(`${op}: r must be [${hidden}, ${gates * hidden}] (hidden, ${gates}·hidden), got ${fmt(r.shape)}`);
  }
  for (const [t, name, shape] of extra) {
    if (t.rank !== shape.length || t.shape.some((d, i) => d !== shape[i])) throw new ShapeError(`${op}: ${name} must be ${fmt(shape)}, got ${fmt(t.shape)}`);
  }
}

/** Sums the VJPs of a two-output composite: d/dinputs of Σ out₀·dy₀ + Σ out₁·dy₁. */
function vjp2(f: (...xs: Tensor[]) => [Tensor, Tensor], xs: Tensor[], dys: readonly Tensor[]): Tensor[] {
  const [d0, d1] = dys as [Tensor, Tensor];
  return vjp(
    (...args) => {
      const [a, b] = f(...args);
      return add(sum(mul(a, d0)), sum(mul(b, d1)));
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
      return vjp2((...a) => lstmComposite(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!), [...s], dys);
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
