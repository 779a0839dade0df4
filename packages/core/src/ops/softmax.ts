import type { Tensor } from '../tensor.js';
import { cast, div, exp, mul, sub, where } from './elementwise.js';
import { fusedOrComposite, lastAxisOp } from './fused.js';
import { logSumExp, max, sum } from './reduce.js';
import { run1 } from './util.js';

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

/**
 * Softmax over the last axis restricted to the entries where `allowed` (bool, broadcastable
 * to `scores`) is true: masked entries get probability 0, and a row with no allowed entry
 * is all zeros (not uniform). The one place attention layers mask their scores.
 */
export function maskedSoftmax(scores: Tensor, allowed: Tensor): Tensor {
  const p = softmax(where(allowed, scores, -1e30));
  return mul(p, cast(allowed, 'float32'));
}
