import { ArgumentError, ShapeError } from '../errors.js';
import { fmt } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { add, mul, rsqrt, square, sub } from './elementwise.js';
import { fusedOrComposite } from './fused.js';
import { mean, sum } from './reduce.js';
import { expectDType, expectTensor, run1 } from './util.js';

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
      if (x.engine.backend.layerNormBackward) {
        return x.engine.run({ name: 'layerNormBackward', inputs: [xs, g, dy], forward: (b) => b.layerNormBackward!(xs, g, dy, eps) });
      }
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
