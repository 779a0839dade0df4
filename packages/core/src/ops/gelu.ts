import { ArgumentError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { add, erf, exp, mul, square, sub, tanh } from './elementwise.js';
import { fusedOrComposite } from './fused.js';
import { expectDType, expectTensor, run1 } from './util.js';

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
      const dy = dys[0]!;
      if (x.engine.backend.geluBackward) return [run1(x.engine, { name: 'geluBackward', inputs: [xs, dy], forward: (b) => b.geluBackward!(xs, dy, approximate) })];
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
