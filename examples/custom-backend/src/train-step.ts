/**
 * One training step of a tiny classifier, written against the public ops only, so it runs
 * on whichever backend a `Heed` app was composed with. Used by the demo and the tests.
 *
 *   logits = gelu(layerNorm(x·w1 + b1)) · w2,   loss = crossEntropy(logits, labels)
 */
import { add, crossEntropy, gelu, layerNorm, matmul, ones, Rng, tensor, valueAndGradsOf, zeros, type Heed, type Tensor } from '@heed/core';

/** The loss and the gradients of w1, b1, w2, read back to the host. */
export interface StepResult {
  readonly loss: number;
  readonly grads: { readonly w1: Float32Array; readonly b1: Float32Array; readonly w2: Float32Array };
}

const [BATCH, INPUT, HIDDEN, CLASSES] = [4, 3, 8, 3];

/** Runs forward and backward on `heed`'s backend with fixed, seeded data and weights. */
export async function trainStep(heed: Heed, seed = 7): Promise<StepResult> {
  const rng = new Rng(seed);
  const rand = (shape: number[], scale: number): Tensor =>
    tensor(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.uniform(-scale, scale)), shape, 'float32', { engine: heed.engine });
  const x = rand([BATCH, INPUT], 2);
  const w1 = rand([INPUT, HIDDEN], 1);
  const b1 = rand([HIDDEN], 0.1);
  const w2 = rand([HIDDEN, CLASSES], 1);
  const gamma = ones([HIDDEN], 'float32', { engine: heed.engine });
  const beta = zeros([HIDDEN], 'float32', { engine: heed.engine });
  const labels = tensor([0, 2, 1, 2], [BATCH], 'int32', { engine: heed.engine });

  const { value, grads } = valueAndGradsOf(() => {
    const h = gelu(layerNorm(add(matmul(x, w1), b1), gamma, beta));
    return crossEntropy(matmul(h, w2), labels);
  }, [w1, b1, w2]);

  const result: StepResult = {
    loss: (await value.data())[0]!,
    grads: {
      w1: (await grads[0]!.data()) as Float32Array,
      b1: (await grads[1]!.data()) as Float32Array,
      w2: (await grads[2]!.data()) as Float32Array,
    },
  };
  for (const t of [value, ...grads, x, w1, b1, w2, gamma, beta, labels]) t.dispose();
  return result;
}

/** Largest |a − b| over all gradients of two steps. */
export function maxGradDiff(a: StepResult, b: StepResult): number {
  let m = 0;
  for (const k of ['w1', 'b1', 'w2'] as const) {
    const ga = a.grads[k];
    const gb = b.grads[k];
    for (let i = 0; i < ga.length; i++) m = Math.max(m, Math.abs(ga[i]! - gb[i]!));
  }
  return m;
}
