/**
 * One optimizer step over k micro-batches (gradient accumulation), owning every tensor it
 * makes: host batches become tensors inside a `tidy` per micro-batch, gradients are summed
 * across micro-batches, clipped by global norm when asked, applied, and disposed. User code
 * never sees or disposes a gradient.
 */
import { ArgumentError, add, clipGradNorm, mul, variableGrads, type Optimizer, type Tensor, type Variable } from '@heed/core';
import type { Model, ModelBatch } from '../model.js';
import { batchToTensors, countTokens, type HostBatch } from './host-batch.js';

/** Computes the training loss of a batch (default: `model.forward(batch).loss`). */
export type LossFn<M extends Model> = (model: M, batch: ModelBatch) => Tensor;

/** The loss a model's forward returns; a missing loss is an `ArgumentError` naming the model and the batch's inputs. */
export function forwardLoss(model: Model, batch: ModelBatch): Tensor {
  const out = model.forward(batch);
  if (!out.loss) {
    const inputs = Object.keys(batch).join(', ');
    throw new ArgumentError(`Trainer: ${model.modelType}.forward returned no loss for a batch of ${inputs} (do the batches carry labels?)`);
  }
  return out.loss;
}

/** What one optimizer step did. */
export interface StepResult {
  /** Token-weighted mean loss over the micro-batches. */
  readonly loss: number;
  readonly tokens: number;
  readonly gradNorm?: number;
}

/**
 * Runs one optimizer step on `micro` (k ≥ 1 host batches). Micro-batch i's loss is weighted
 * by its share of the target tokens (labels that are not -100), so k micro-batches give the
 * gradient of one batch holding all of them when the loss is a mean over tokens; with no
 * tokens counted anywhere, each gets 1/k.
 */
export async function optimizerStep<M extends Model>(
  model: M,
  optimizer: Optimizer,
  micro: readonly HostBatch[],
  options: { lr: number; clipNorm?: number; loss: LossFn<M> },
): Promise<StepResult> {
  const engine = model.engine;
  const params = model.trainableParameters();
  if (params.length === 0) throw new ArgumentError(`Trainer: ${model.modelType} has no trainable parameters`);
  const tokens = micro.map((b) => countTokens(b));
  const total = tokens.reduce((a, t) => a + t, 0);
  const weights = tokens.map((t) => (micro.length === 1 ? 1 : total > 0 ? t / total : 1 / micro.length));
  let acc: Map<Variable, Tensor> | undefined;
  const values: Tensor[] = [];
  try {
    for (let i = 0; i < micro.length; i++) {
      const prev = acc;
      const w = weights[i]!;
      const r = engine.tidy(() => {
        const batch = batchToTensors(micro[i]!, engine);
        const { value, grads } = variableGrads(() => (w === 1 ? options.loss(model, batch) : mul(options.loss(model, batch), w)), params);
        const sum = prev ? new Map([...grads].map(([p, g]) => [p, add(prev.get(p)!, g)])) : grads;
        return { value, grads: sum };
      });
      if (prev) for (const g of prev.values()) g.dispose();
      acc = r.grads;
      values.push(r.value);
    }
    let loss = 0;
    for (const v of values) loss += (await v.data())[0]!;
    let gradNorm: number | undefined;
    if (options.clipNorm !== undefined) {
      const { grads, norm } = clipGradNorm(acc!, options.clipNorm);
      for (const g of acc!.values()) g.dispose();
      acc = grads;
      gradNorm = (await norm.data())[0]!;
      norm.dispose();
    }
    optimizer.learningRate = options.lr;
    optimizer.step(acc!);
    return { loss, tokens: total, ...(gradNorm === undefined ? {} : { gradNorm }) };
  } finally {
    for (const v of values) v.dispose();
    if (acc) for (const g of acc.values()) g.dispose();
  }
}
