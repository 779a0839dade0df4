import type { Backend, CrossEntropyArgs } from '../backend.js';
import { ArgumentError, DTypeError, ShapeError } from '../errors.js';
import { fmt } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { add, cast, div, equal, maximum, mul, notEqual, sub, where } from './elementwise.js';
import { arange } from './creation.js';
import { fusedOrComposite } from './fused.js';
import { gather } from './gather.js';
import { logSumExp, mean, sum } from './reduce.js';
import { reshape } from './reshape.js';
import { softmax } from './softmax.js';
import { expectDType, expectTensor, run1 } from './util.js';

/** Options of `crossEntropy`. */
export interface CrossEntropyOptions {
  /**
   * 'mean' (default): the sum over rows divided by the number of rows whose label is not
   * `ignoreIndex` (0, with a zero gradient, when every row is ignored); 'sum'; or 'none'
   * for per-row losses (0 in ignored rows), shaped like `labels`.
   */
  reduction?: 'mean' | 'sum' | 'none';
  /** Rows with this label contribute nothing (padding). Default -100, as in PyTorch and Hugging Face. */
  ignoreIndex?: number;
  /**
   * ε in [0, 1) (default 0). The target becomes (1 − ε)·one-hot + ε/C, as PyTorch's
   * `label_smoothing`: per row (1 − ε)·(lse − x_y) + ε·(lse − mean(x)).
   */
  labelSmoothing?: number;
}

function pickLabels(logits2: Tensor, labels1: Tensor): Tensor {
  const [n, c] = logits2.shape as [number, number];
  const rowStart = mul(arange(0, n, 1, 'int32', { engine: logits2.engine }), c);
  const flatIdx = add(rowStart, labels1);
  return gather(reshape(logits2, [n * c]), flatIdx, 0);
}

/**
 * On backends that read synchronously, a label outside [0, classes) that is not the ignore
 * index throws the same `ArgumentError` as the CPU kernel (a GPU cannot check without a
 * read-back; its kernels give NaN).
 */
function checkLabels(labels1: Tensor, c: number, ignoreIndex: number): void {
  if (!labels1.engine.backend.readSync) return;
  const data = labels1.dataSync();
  for (let r = 0; r < data.length; r++) {
    const label = data[r]!;
    if (label !== ignoreIndex && (label < 0 || label >= c)) {
      throw new ArgumentError(`crossEntropy: label ${label} in row ${r} is out of range [0, ${c}) and is not the ignore index ${ignoreIndex}`);
    }
  }
}

/** Core's composite of the fused kernel (the same per-row losses, from primitives). */
function compositeRows(logits2: Tensor, labels1: Tensor, args: CrossEntropyArgs): Tensor {
  checkLabels(labels1, logits2.shape[1]!, args.ignoreIndex);
  const valid = notEqual(labels1, args.ignoreIndex);
  const safe = where(valid, labels1, 0);
  const lse = logSumExp(logits2, -1);
  const nll = sub(lse, pickLabels(logits2, safe));
  const eps = args.labelSmoothing;
  const rows = eps > 0 ? add(mul(nll, 1 - eps), mul(sub(lse, mean(logits2, -1)), eps)) : nll;
  return where(valid, rows, 0);
}

function validateOptions(options: CrossEntropyOptions): CrossEntropyArgs {
  const ignoreIndex = options.ignoreIndex ?? -100;
  const labelSmoothing = options.labelSmoothing ?? 0;
  if (!Number.isInteger(ignoreIndex) || Math.abs(ignoreIndex) > 2 ** 31 - 1) {
    throw new ArgumentError(`crossEntropy: ignoreIndex must be an int32 integer, got ${ignoreIndex}`);
  }
  if (typeof labelSmoothing !== 'number' || !(labelSmoothing >= 0 && labelSmoothing < 1)) {
    throw new ArgumentError(`crossEntropy: labelSmoothing must be in [0, 1), got ${labelSmoothing}`);
  }
  const reduction = options.reduction ?? 'mean';
  if (reduction !== 'mean' && reduction !== 'sum' && reduction !== 'none') {
    throw new ArgumentError(`crossEntropy: reduction must be 'mean', 'sum' or 'none', got ${String(reduction)}`);
  }
  return { ignoreIndex, labelSmoothing };
}

/**
 * Softmax cross-entropy of `logits` [..., classes] against int32 class `labels` [...].
 * Rows whose label is `ignoreIndex` (default -100) are left out of the loss and of its
 * mean, and get a zero gradient. Other labels outside [0, classes) raise `ArgumentError`
 * on backends that can check synchronously (CPU) and give NaN on GPUs.
 */
export function crossEntropy(logits: Tensor, labels: Tensor, options: CrossEntropyOptions = {}): Tensor {
  expectTensor('crossEntropy', logits, 'logits');
  expectTensor('crossEntropy', labels, 'labels');
  expectDType('crossEntropy', logits, 'float32');
  if (labels.dtype !== 'int32') throw new DTypeError(`crossEntropy: labels must be int32 class ids, got ${labels.dtype}`);
  if (logits.rank < 1 || labels.rank !== logits.rank - 1 || labels.shape.some((d, i) => d !== logits.shape[i])) {
    const want = `the shape of logits ${fmt(logits.shape)} without its last (class) axis`;
    throw new ShapeError(`crossEntropy: labels ${fmt(labels.shape)} must have ${want}`);
  }
  const args = validateOptions(options);
  const engine = logits.engine;
  const c = logits.shape.at(-1)!;
  return engine.tidy(() => {
    const logits2 = reshape(logits, [-1, c]);
    const labels1 = reshape(labels, [-1]);
    const perRow = run1(engine, {
      name: 'crossEntropy',
      inputs: [logits2, labels1],
      forward: (be) =>
        fusedOrComposite(
          be,
          be.crossEntropy && ((b) => b.crossEntropy!(logits2, labels1, args)),
          () => compositeRows(logits2, labels1, args),
          engine,
        ),
      backward: (dys, saved) => {
        const [lg, lb] = saved.inputs as [Tensor, Tensor];
        const dy = dys[0]!;
        if (engine.backend.crossEntropyBackward) {
          const spec = { name: 'crossEntropyBackward', inputs: [lg, lb, dy], forward: (b: Backend) => b.crossEntropyBackward!(lg, lb, dy, args) };
          return [run1(engine, spec), null];
        }
        const p = softmax(lg);
        const onehot = cast(equalLast(lb, c, lg), 'float32');
        const eps = args.labelSmoothing;
        const target = eps > 0 ? add(mul(onehot, 1 - eps), eps / c) : onehot;
        const scale = mul(reshape(dy, [-1, 1]), cast(reshape(notEqual(lb, args.ignoreIndex), [-1, 1]), 'float32'));
        return [mul(sub(p, target), scale), null];
      },
    });
    const reduction = options.reduction ?? 'mean';
    if (reduction === 'none') return reshape(perRow, labels.shape);
    if (reduction === 'sum') return sum(perRow);
    const count = sum(cast(notEqual(labels1, args.ignoreIndex), 'float32'));
    return div(sum(perRow), maximum(count, 1));
  });
}

function equalLast(labels1: Tensor, c: number, like: Tensor): Tensor {
  const classes = arange(0, c, 1, 'int32', { engine: like.engine });
  return equal(reshape(labels1, [-1, 1]), classes);
}
