/** The user's scorer: registered by name in the user's module, hand-checked numerics, gradients, and a clear error without the module. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PluginNotFoundError, createHeed, tensor, variableGrads, sum, type Heed } from '@heed/core';
import { cpuBackendModule } from '@heed/backend-cpu';
import { Attention, layersModule } from '@heed/layers';
import { createModel, modelsModule } from '@heed/models';
import { BILINEAR_TANH, customAttentionModule } from '../src/module.js';

let heed: Heed;
beforeAll(async () => {
  heed = await createHeed({ plugins: [cpuBackendModule, layersModule, modelsModule, customAttentionModule({ hidden: 2 })], setActive: true });
});
afterAll(() => heed.dispose());

describe('bilinear-tanh scorer', () => {
  it('scores vᵀ tanh((W_q q) ⊙ (W_k k) + b), checked by hand', async () => {
    const attn = new Attention(heed, { score: BILINEAR_TANH, queryDim: 2, keyDim: 3 });
    const set = (name: string, values: number[], shape: number[]): void => attn.scoreParams.get(name).assign(tensor(values, shape));
    set('Wq', [1, 0, 0.5, -1], [2, 2]);
    set('Wk', [1, 2, 0, 0, -1, 1], [2, 3]);
    set('b', [0.1, -0.2], [2]);
    set('v', [2, -1], [2]);
    const q = [0.3, -0.4];
    const keys = [
      [1, 0, 2],
      [-1, 1, 0.5],
    ];
    const { weights } = attn.forward(tensor([q]), tensor([keys]));
    // By hand: qp = Wq q, kp_j = Wk k_j, s_j = Σ_a v_a tanh(qp_a · kp_ja + b_a).
    const qp = [q[0]!, 0.5 * q[0]! - q[1]!];
    const s = keys.map((k) => {
      const kp = [k[0]! + 2 * k[1]!, -k[1]! + k[2]!];
      return 2 * Math.tanh(qp[0]! * kp[0]! + 0.1) - Math.tanh(qp[1]! * kp[1]! - 0.2);
    });
    const z = Math.exp(s[0]!) + Math.exp(s[1]!);
    const got = Array.from(await weights.data());
    expect(got[0]).toBeCloseTo(Math.exp(s[0]!) / z, 6);
    expect(got[1]).toBeCloseTo(Math.exp(s[1]!) / z, 6);
    expect(attn.namedParameters().map(([n]) => n)).toEqual(['score.Wq', 'score.Wk', 'score.b', 'score.v']);
    attn.dispose();
  });

  it('gives every scorer parameter a gradient', () => {
    const attn = new Attention(heed, { score: BILINEAR_TANH, queryDim: 2, keyDim: 3 });
    const zero = heed.tidy(() => {
      const q = tensor([[0.3, -0.4]]);
      const k = tensor([[[1, 0, 2], [-1, 1, 0.5], [0.2, 0.2, -1]]]);
      const { grads } = variableGrads(() => sum(attn.forward(q, k).context), attn.trainableParameters());
      return [...grads].filter(([, g]) => g.dataSync().every((x) => x === 0)).map(([v]) => v.name);
    });
    expect(zero).toEqual([]);
    attn.dispose();
  });

  it('an app without the module gets PluginNotFoundError listing the registered scorers', async () => {
    const plain = await createHeed({ plugins: [cpuBackendModule, layersModule, modelsModule] });
    const build = (): unknown => createModel(plain, { architectures: ['AttentionSeq2Seq'], src_vocab_size: 5, tgt_vocab_size: 5, score: BILINEAR_TANH });
    expect(build).toThrow(PluginNotFoundError);
    expect(build).toThrow(/bilinear-tanh.*additive|additive.*bilinear-tanh/s);
    plain.dispose();
  });
});
