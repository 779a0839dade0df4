import type { Backend, TensorInfo } from '../backend.js';
import { vjp } from '../autograd.js';
import { ArgumentError, DTypeError, ShapeError } from '../errors.js';
import { Rng } from '../random.js';
import { fmt, normalizeAxis } from '../shape.js';
import { Tensor } from '../tensor.js';
import { add, cast, div, equal, erf, exp, greaterEqual, logicalAnd, mul, rsqrt, sigmoid, square, sub, tanh, where } from './elementwise.js';
import { arange, full } from './creation.js';
import { gather } from './gather.js';
import { matmul } from './matmul.js';
import { split, transpose } from './movement.js';
import { logSumExp, max, mean, sum } from './reduce.js';
import { reshape } from './reshape.js';
import { expectDType, expectTensor, run1 } from './util.js';

/**
 * Runs a fused kernel when the backend has it, else the composite built from primitive
 * ops (without recording; the op's own gradient rule is recorded instead).
 */
function fusedOrComposite(
  be: Backend,
  kernel: ((be: Backend) => TensorInfo | TensorInfo[]) | undefined,
  composite: () => Tensor | Tensor[],
  engine: Tensor['engine'],
): TensorInfo | TensorInfo[] {
  if (kernel) return kernel(be);
  return engine.noGrad(() => engine.tidy(composite));
}

function lastAxisOp(op: string, x: Tensor, axis: number, f: (x: Tensor) => Tensor): Tensor {
  expectTensor(op, x);
  expectDType(op, x, 'float32');
  if (x.rank === 0) throw new ShapeError(`${op}: needs rank >= 1, got a scalar`);
  const ax = normalizeAxis(op, axis, x.rank);
  if (ax === x.rank - 1) return f(x);
  const perm = x.shape.map((_, i) => i);
  [perm[ax], perm[x.rank - 1]] = [perm[x.rank - 1]!, perm[ax]!];
  const xt = transpose(x, perm);
  const y = f(xt);
  const out = transpose(y, perm);
  xt.dispose();
  y.dispose();
  return out;
}

// ---- softmax family -----------------------------------------------------------

function softmaxComposite(x: Tensor): Tensor {
  const e = exp(sub(x, max(x, -1, { keepDims: true })));
  return div(e, sum(e, -1, { keepDims: true }));
}

/** Softmax along `axis` (default last), numerically stable. Uses the backend's fused kernel when present. */
export function softmax(x: Tensor, axis = -1): Tensor {
  return lastAxisOp('softmax', x, axis, (xl) =>
    run1(xl.engine, {
      name: 'softmax',
      inputs: [xl],
      forward: (be) => fusedOrComposite(be, be.softmax && ((b) => b.softmax!(xl)), () => softmaxComposite(xl), xl.engine),
      backward: (dys, saved) => {
        const y = saved.outputs[0]!;
        const dy = dys[0]!;
        return [mul(y, sub(dy, sum(mul(dy, y), -1, { keepDims: true })))];
      },
      saveInputs: false,
      saveOutputs: true,
    }),
  );
}

/** log(softmax(x)) along `axis` (default last), computed stably. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return lastAxisOp('logSoftmax', x, axis, (xl) =>
    run1(xl.engine, {
      name: 'logSoftmax',
      inputs: [xl],
      forward: (be) => fusedOrComposite(be, be.logSoftmax && ((b) => b.logSoftmax!(xl)), () => sub(xl, logSumExp(xl, -1, { keepDims: true })), xl.engine),
      backward: (dys, saved) => {
        const y = saved.outputs[0]!;
        const dy = dys[0]!;
        return [sub(dy, mul(exp(y), sum(dy, -1, { keepDims: true })))];
      },
      saveInputs: false,
      saveOutputs: true,
    }),
  );
}

// ---- layer norm ------------------------------------------------------------------

function layerNormStats(x: Tensor, eps: number): { xhat: Tensor; rstd: Tensor } {
  const mu = mean(x, -1, { keepDims: true });
  const xc = sub(x, mu);
  const rstd = rsqrt(add(mean(square(xc), -1, { keepDims: true }), eps));
  return { xhat: mul(xc, rstd), rstd };
}

/**
 * Layer normalisation over the last axis: (x − mean) / √(var + eps) · gamma + beta,
 * with gamma and beta of shape [lastDim].
 */
export function layerNorm(x: Tensor, gamma: Tensor, beta: Tensor, eps = 1e-5): Tensor {
  expectTensor('layerNorm', x);
  expectTensor('layerNorm', gamma, 'gamma');
  expectTensor('layerNorm', beta, 'beta');
  for (const t of [x, gamma, beta]) expectDType('layerNorm', t, 'float32');
  const d = x.shape.at(-1);
  if (x.rank === 0 || gamma.rank !== 1 || beta.rank !== 1 || gamma.shape[0] !== d || beta.shape[0] !== d) {
    throw new ShapeError(`layerNorm: gamma ${fmt(gamma.shape)} and beta ${fmt(beta.shape)} must both be [${d ?? '?'}] for input ${fmt(x.shape)}`);
  }
  if (!(eps > 0)) throw new ArgumentError(`layerNorm: eps must be > 0, got ${eps}`);
  return run1(x.engine, {
    name: 'layerNorm',
    inputs: [x, gamma, beta],
    forward: (be) =>
      fusedOrComposite(be, be.layerNorm && ((b) => b.layerNorm!(x, gamma, beta, eps)), () => add(mul(layerNormStats(x, eps).xhat, gamma), beta), x.engine),
    backward: (dys, saved) => {
      const [xs, g] = saved.inputs as [Tensor, Tensor];
      const dy = dys[0]!;
      const { xhat, rstd } = layerNormStats(xs, eps);
      const lead = xs.shape.slice(0, -1).map((_, i) => i);
      const dgamma = sum(mul(dy, xhat), lead);
      const dbeta = sum(dy, lead);
      const dxhat = mul(dy, g);
      const dx = mul(rstd, sub(sub(dxhat, mean(dxhat, -1, { keepDims: true })), mul(xhat, mean(mul(dxhat, xhat), -1, { keepDims: true }))));
      return [dx, dgamma, dbeta];
    },
  });
}

// ---- GELU ------------------------------------------------------------------------------

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

function geluComposite(x: Tensor, approximate: 'none' | 'tanh'): Tensor {
  if (approximate === 'tanh') {
    const inner = mul(add(x, mul(mul(x, square(x)), 0.044715)), SQRT_2_OVER_PI);
    return mul(mul(x, 0.5), add(tanh(inner), 1));
  }
  return mul(mul(x, 0.5), add(erf(mul(x, Math.SQRT1_2)), 1));
}

/** GELU activation; `approximate: 'tanh'` for the tanh form used by GPT-2 and BERT's original code. */
export function gelu(x: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor {
  expectTensor('gelu', x);
  expectDType('gelu', x, 'float32');
  if (approximate !== 'none' && approximate !== 'tanh') throw new ArgumentError(`gelu: approximate must be 'none' or 'tanh', got ${String(approximate)}`);
  return run1(x.engine, {
    name: 'gelu',
    inputs: [x],
    forward: (be) => fusedOrComposite(be, be.gelu && ((b) => b.gelu!(x, approximate)), () => geluComposite(x, approximate), x.engine),
    backward: (dys, saved) => {
      const xs = saved.inputs[0]!;
      let dgelu: Tensor;
      if (approximate === 'tanh') {
        const x2 = square(xs);
        const t = tanh(mul(add(xs, mul(mul(xs, x2), 0.044715)), SQRT_2_OVER_PI));
        const du = mul(add(mul(x2, 3 * 0.044715), 1), SQRT_2_OVER_PI);
        dgelu = add(mul(add(t, 1), 0.5), mul(mul(mul(xs, 0.5), sub(1, square(t))), du));
      } else {
        const cdf = mul(add(erf(mul(xs, Math.SQRT1_2)), 1), 0.5);
        const pdf = mul(exp(mul(square(xs), -0.5)), 1 / Math.sqrt(2 * Math.PI));
        dgelu = add(cdf, mul(xs, pdf));
      }
      return [mul(dys[0]!, dgelu)];
    },
  });
}

// ---- cross-entropy ------------------------------------------------------------------------

/** Options of `crossEntropy`. */
export interface CrossEntropyOptions {
  /** 'mean' (default) over rows, 'sum', or 'none' for per-row losses. */
  reduction?: 'mean' | 'sum' | 'none';
}

function pickLabels(logits2: Tensor, labels1: Tensor): Tensor {
  const [n, c] = logits2.shape as [number, number];
  const rowStart = mul(arange(0, n, 1, 'int32', { engine: logits2.engine }), c);
  const flatIdx = add(rowStart, labels1);
  return gather(reshape(logits2, [n * c]), flatIdx, 0);
}

/**
 * Softmax cross-entropy of `logits` [..., classes] against int32 class `labels` [...].
 * Labels outside [0, classes) raise an error on backends that check (CPU).
 */
export function crossEntropy(logits: Tensor, labels: Tensor, options: CrossEntropyOptions = {}): Tensor {
  expectTensor('crossEntropy', logits, 'logits');
  expectTensor('crossEntropy', labels, 'labels');
  expectDType('crossEntropy', logits, 'float32');
  if (labels.dtype !== 'int32') throw new DTypeError(`crossEntropy: labels must be int32 class ids, got ${labels.dtype}`);
  if (logits.rank < 1 || labels.rank !== logits.rank - 1 || labels.shape.some((d, i) => d !== logits.shape[i])) {
    throw new ShapeError(`crossEntropy: labels ${fmt(labels.shape)} must have the shape of logits ${fmt(logits.shape)} without its last (class) axis`);
  }
  const c = logits.shape.at(-1)!;
  const logits2 = reshape(logits, [-1, c]);
  const labels1 = reshape(labels, [-1]);
  const perRow = run1(logits.engine, {
    name: 'crossEntropy',
    inputs: [logits2, labels1],
    forward: (be) =>
      fusedOrComposite(be, be.crossEntropy && ((b) => b.crossEntropy!(logits2, labels1)), () => sub(logSumExp(logits2, -1), pickLabels(logits2, labels1)), logits.engine),
    backward: (dys, saved) => {
      const [lg, lb] = saved.inputs as [Tensor, Tensor];
      const p = softmax(lg);
      const onehot = cast(equalLast(lb, c, lg), 'float32');
      return [mul(sub(p, onehot), reshape(dys[0]!, [-1, 1])), null];
    },
  });
  logits2.dispose();
  labels1.dispose();
  const reduction = options.reduction ?? 'mean';
  if (reduction === 'none') {
    const out = reshape(perRow, labels.shape);
    perRow.dispose();
    return out;
  }
  const out = reduction === 'sum' ? sum(perRow) : perRow.size === 0 ? sum(perRow) : mean(perRow);
  perRow.dispose();
  return out;
}

function equalLast(labels1: Tensor, c: number, like: Tensor): Tensor {
  const classes = arange(0, c, 1, 'int32', { engine: like.engine });
  return equal(reshape(labels1, [-1, 1]), classes);
}

// ---- attention -------------------------------------------------------------------------

/** Options of `scaledDotProductAttention`. */
export interface AttentionOptions {
  /** Bool mask broadcastable to [batch, heads, tq, tk]; true = may attend. */
  mask?: Tensor;
  /** Hide keys after each query's position (decoder self-attention). */
  causal?: boolean;
  /** Score multiplier; default 1/√d. */
  scale?: number;
}

/** The bool causal mask [tq, tk]: query i may see keys j <= i + (tk − tq). */
export function causalMask(tq: number, tk: number, engine: Tensor['engine']): Tensor {
  const qi = reshape(arange(0, tq, 1, 'int32', { engine }), [tq, 1]);
  const kj = arange(0, tk, 1, 'int32', { engine });
  return greaterEqual(add(qi, tk - tq), kj);
}

function attentionComposite(q: Tensor, k: Tensor, v: Tensor, mask: Tensor | undefined, causal: boolean, scale: number): Tensor {
  let scores = mul(matmul(q, k, { transB: true }), scale);
  let allowed = mask;
  if (causal) {
    const cm = causalMask(q.shape.at(-2)!, k.shape.at(-2)!, q.engine);
    allowed = allowed ? logicalAnd(allowed, cm) : cm;
  }
  if (!allowed) return matmul(softmax(scores), v);
  scores = where(allowed, scores, -1e30);
  // Multiplying by the mask makes fully masked rows exactly zero instead of uniform.
  const p = mul(softmax(scores), cast(allowed, 'float32'));
  return matmul(p, v);
}

/**
 * softmax(scale · q·kᵀ, masked) · v for q [b, h, tq, d], k [b, h, tk, d], v [b, h, tk, dv]
 * → [b, h, tq, dv]. Fully masked query rows give zeros. Uses the backend's fused
 * kernel when present; the gradient (q, k, v) is that of the composite.
 */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions = {}): Tensor {
  for (const [t, n] of [[q, 'q'], [k, 'k'], [v, 'v']] as const) {
    expectTensor('attention', t, n);
    expectDType('attention', t, 'float32');
    if (t.rank !== 4) throw new ShapeError(`attention: ${n} must be [batch, heads, time, dim], got ${fmt(t.shape)}`);
  }
  const [b, h, tq, d] = q.shape as [number, number, number, number];
  const tk = k.shape[2]!;
  if (k.shape[0] !== b || k.shape[1] !== h || k.shape[3] !== d || v.shape[0] !== b || v.shape[1] !== h || v.shape[2] !== tk) {
    throw new ShapeError(`attention: q ${fmt(q.shape)}, k ${fmt(k.shape)} and v ${fmt(v.shape)} do not agree (k must be [${b},${h},tk,${d}], v [${b},${h},${tk},dv])`);
  }
  const mask = options.mask;
  if (mask) {
    expectTensor('attention', mask, 'mask');
    if (mask.dtype !== 'bool') throw new DTypeError(`attention: mask must be bool (true = attend), got ${mask.dtype}`);
    const target = [b, h, tq, tk];
    const off = 4 - mask.rank;
    if (mask.rank > 4 || mask.shape.some((dd, i) => dd !== 1 && dd !== target[i + off])) {
      throw new ShapeError(`attention: mask ${fmt(mask.shape)} does not broadcast to [batch, heads, tq, tk] = ${fmt(target)}`);
    }
  }
  const causal = options.causal ?? false;
  const scale = options.scale ?? 1 / Math.sqrt(d);
  const inputs = mask ? [q, k, v, mask] : [q, k, v];
  return run1(q.engine, {
    name: 'attention',
    inputs,
    forward: (be) =>
      fusedOrComposite(
        be,
        be.attention && ((bk) => bk.attention!({ q, k, v, mask, causal, scale })),
        () => attentionComposite(q, k, v, mask, causal, scale),
        q.engine,
      ),
    backward: (dys, saved) => {
      const [qs, ks, vs, ms] = saved.inputs as Tensor[];
      const g = vjp((a, bb, c) => attentionComposite(a!, bb!, c!, ms, causal, scale), [qs!, ks!, vs!], dys[0]!);
      return mask ? [...g, null] : g;
    },
  });
}

// ---- recurrent cells ---------------------------------------------------------------------

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

// ---- dropout --------------------------------------------------------------------------------

/** Options of `dropout`. */
export interface DropoutOptions {
  /** Generator for the mask (reproducible training). */
  rng?: Rng;
  /** Seed for a fresh generator when no `rng` is given. */
  seed?: number;
}

/** Zeroes each element with probability `rate` and scales the rest by 1/(1 − rate) (inverted dropout). */
export function dropout(x: Tensor, rate: number, options: DropoutOptions = {}): Tensor {
  expectTensor('dropout', x);
  expectDType('dropout', x, 'float32');
  if (!(rate >= 0 && rate < 1)) throw new ArgumentError(`dropout: rate must be in [0, 1), got ${rate}`);
  if (rate === 0) return reshape(x, x.shape);
  const rng = options.rng ?? new Rng(options.seed ?? 0);
  const m = new Float32Array(x.size);
  const keep = 1 / (1 - rate);
  for (let i = 0; i < m.length; i++) m[i] = rng.next() >= rate ? keep : 0;
  const mask = x.engine.fromHost(m, x.shape, 'float32');
  const y = mul(x, mask);
  mask.dispose();
  return y;
}
