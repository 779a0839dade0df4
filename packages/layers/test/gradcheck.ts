import { expect } from 'vitest';
import { Rng, mul, randomUniform, sum, tensor, valueAndGradsOf, type Tensor, type Variable } from '@heed/core';

/**
 * Finite-difference check of autograd through a layer: L = Σ f(xs)·w with fixed random w;
 * compares the gradient of L with respect to each float input and each parameter against
 * central differences in float32 (eps 1e-2), on up to `perTensor` elements of each. Reads
 * are async, so it runs on every backend (WebGPU has no synchronous read).
 */
export async function gradCheckLayer(f: (...xs: Tensor[]) => Tensor, xs: Tensor[], params: readonly Variable[], options: { perTensor?: number; seed?: number } = {}): Promise<void> {
  const rng = new Rng(options.seed ?? 7);
  const probe = f(...xs);
  const w = randomUniform(probe.shape, 0.5, 1.5, { rng });
  probe.dispose();
  const loss = (...a: Tensor[]): Tensor => sum(mul(f(...a), w));
  const sources: Tensor[] = [...xs, ...params];
  const { value, grads } = valueAndGradsOf(() => loss(...xs), sources);
  value.dispose();
  const evalLoss = async (args: Tensor[]): Promise<number> => {
    const y = loss(...args);
    const v = (await y.data())[0]!;
    y.dispose();
    return v;
  };
  const eps = 1e-2;
  const per = options.perTensor ?? 4;
  for (let s = 0; s < sources.length; s++) {
    const src = sources[s]!;
    const base = Float32Array.from(await src.data());
    const analytic = await grads[s]!.data();
    const picks = new Set<number>();
    while (picks.size < Math.min(per, base.length)) picks.add(rng.int(base.length));
    for (const j of picks) {
      const at = async (delta: number): Promise<number> => {
        const v = Float32Array.from(base);
        v[j]! += delta;
        const t = tensor(v, [...src.shape], 'float32');
        try {
          if (s < xs.length) return await evalLoss(xs.map((x, i) => (i === s ? t : x)));
          (src as Variable).assign(t);
          return await evalLoss(xs);
        } finally {
          t.dispose();
        }
      };
      const numeric = ((await at(eps)) - (await at(-eps))) / (2 * eps);
      if (s >= xs.length) {
        const restore = tensor(base, [...src.shape], 'float32');
        (src as Variable).assign(restore);
        restore.dispose();
      }
      const a = analytic[j]!;
      const name = s < xs.length ? `input ${s}` : `parameter ${(src as Variable).name}`;
      if (!(Math.abs(a - numeric) <= 3e-3 + 3e-2 * Math.abs(numeric))) expect.fail(`${name} element ${j}: autograd ${a}, finite difference ${numeric}`);
    }
  }
  for (const g of grads) g.dispose();
  w.dispose();
}
