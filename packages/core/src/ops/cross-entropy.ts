import { DTypeError, ShapeError } from '../errors.js';
import { fmt } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { add, cast, equal, mul, sub } from './elementwise.js';
import { arange } from './creation.js';
import { fusedOrComposite } from './fused.js';
import { gather } from './gather.js';
import { logSumExp, mean, sum } from './reduce.js';
import { reshape } from './reshape.js';
import { softmax } from './softmax.js';
import { expectDType, expectTensor, run1 } from './util.js';

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
