/** Attention with pluggable scorers: built-ins against hand references, plugin lookup, a user's own scorer. */
import { describe, expect, it } from 'vitest';
import { ContainerModule, injectable } from 'inversify';
import {
  Adam,
  PluginNotFoundError,
  ShapeError,
  TOKENS,
  bindNamed,
  matmul,
  mean,
  randomNormal,
  setEngine,
  square,
  sub,
  tanh,
  tensor,
  variableGrads,
  type Tensor,
} from '@heed/core';
import { Attention, type AttentionScorer, type ScoreDims, type ScoreParameters } from '../src/index.js';
import { forEachBackend, relError, testHeed, vals } from './helpers.js';

const B = 2;
const TQ = 3;
const TK = 4;
const D = 5;

/** Host reference: scores [B][TQ][TK] → softmax with mask → weights and context. */
function reference(score: (b: number, i: number, j: number) => number, values: number[], dv: number, mask?: boolean[][]): { weights: number[]; context: number[] } {
  const weights: number[] = [];
  const context: number[] = [];
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < TQ; i++) {
      const s = Array.from({ length: TK }, (_, j) => (mask && !mask[b]![j] ? -Infinity : score(b, i, j)));
      const m = Math.max(...s);
      const e = s.map((x) => (x === -Infinity ? 0 : Math.exp(x - m)));
      const z = e.reduce((a, c) => a + c, 0);
      const w = e.map((x) => x / z);
      weights.push(...w);
      for (let k = 0; k < dv; k++) context.push(w.reduce((a, wj, j) => a + wj * values[(b * TK + j) * dv + k]!, 0));
    }
  }
  return { weights, context };
}

const at = (arr: number[], b: number, t: number, n: number, d: number, k: number): number => arr[(b * n + t) * d + k]!;
const dotv = (x: number[], y: number[]): number => x.reduce((a, v, i) => a + v * y[i]!, 0);

forEachBackend((backend, getHeed) => {
  describe('built-in scorers', () => {
    const q = (): Tensor => randomNormal([B, TQ, D], 0, 1, { seed: 1 });
    const k = (): Tensor => randomNormal([B, TK, D], 0, 1, { seed: 2 });
    const v = (): Tensor => randomNormal([B, TK, 3], 0, 1, { seed: 3 });
    const mask = [[true, true, false, true], [true, false, false, false]];
    const row = (arr: number[], b: number, t: number, n: number): number[] => arr.slice((b * n + t) * D, (b * n + t + 1) * D);

    const cases: Record<string, (qs: number[], ks: number[], p: Map<string, number[]>) => (b: number, i: number, j: number) => number> = {
      dot: (qs, ks) => (b, i, j) => dotv(row(qs, b, i, TQ), row(ks, b, j, TK)),
      'scaled-dot': (qs, ks) => (b, i, j) => dotv(row(qs, b, i, TQ), row(ks, b, j, TK)) / Math.sqrt(D),
      general: (qs, ks, p) => (b, i, j) => {
        const W = p.get('W')!; // [D, D]
        let s = 0;
        for (let a = 0; a < D; a++) for (let c = 0; c < D; c++) s += at(qs, b, i, TQ, D, a) * W[a * D + c]! * at(ks, b, j, TK, D, c);
        return s;
      },
      additive: (qs, ks, p) => (b, i, j) => {
        const W = p.get('W')!; // [A, 2D]
        const vv = p.get('v')!;
        const sh = [...row(qs, b, i, TQ), ...row(ks, b, j, TK)];
        return vv.reduce((acc, va, a) => acc + va * Math.tanh(dotv(W.slice(a * 2 * D, (a + 1) * 2 * D), sh)), 0);
      },
      cosine: (qs, ks) => (b, i, j) => {
        const x = row(qs, b, i, TQ);
        const y = row(ks, b, j, TK);
        return dotv(x, y) / Math.sqrt(dotv(x, x) * dotv(y, y));
      },
      location: (qs, _ks, p) => (b, i, j) => dotv(row(qs, b, i, TQ), p.get('W')!.slice(j * D, (j + 1) * D)),
    };

    for (const [name, ref] of Object.entries(cases)) {
      it(`${name} matches its definition (with and without a mask)`, async () => {
        const attn = new Attention(getHeed(), { score: name, queryDim: D, keyDim: D, maxKeys: 6, attentionDim: 7, seed: 4 });
        const [qt, kt, vt] = [q(), k(), v()];
        const params = new Map<string, number[]>();
        for (const [n, t] of attn.scoreParams.stateDict()) params.set(n, await vals(t));
        const score = ref(await vals(qt), await vals(kt), params);
        const vs = await vals(vt);
        for (const m of [undefined, mask]) {
          const out = attn.forward(qt, kt, vt, m ? { keyMask: tensor(m) } : {});
          const r = reference(score, vs, 3, m);
          expect(out.weights.shape).toEqual([B, TQ, TK]);
          expect(relError(await vals(out.weights), r.weights)).toBeLessThan(1e-5);
          expect(relError(await vals(out.context), r.context)).toBeLessThan(1e-5);
        }
        attn.dispose();
      });
    }

    it('parameters live in the layer as `score.*` and only for scorers that have them', () => {
      const names = (s: string): string[] => [...new Attention(getHeed(), { score: s, queryDim: D, keyDim: 6, maxKeys: 9 }).stateDict().keys()];
      expect(names('general')).toEqual(['score.W']);
      expect(names('additive')).toEqual(['score.W', 'score.v']);
      expect(names('location')).toEqual(['score.W']);
      expect(new Attention(getHeed(), { score: 'additive', queryDim: D, keyDim: 6 }).stateDict().get('score.W')!.shape).toEqual([6, 11]);
    });

    it('a single query [batch, dim] gives [batch, dim] context and [batch, tk] weights', () => {
      const attn = new Attention(getHeed(), { score: 'dot', queryDim: D, keyDim: D });
      const out = attn.forward(randomNormal([B, D]), k(), v());
      expect(out.context.shape).toEqual([B, 3]);
      expect(out.weights.shape).toEqual([B, TK]);
    });
  });

  describe('scorers are plugins', () => {
    it('an unknown scorer name throws PluginNotFoundError listing the registered names', () => {
      expect(() => new Attention(getHeed(), { score: 'bilinear-tanh', queryDim: D, keyDim: D })).toThrow(PluginNotFoundError);
      expect(() => new Attention(getHeed(), { score: 'bilinear-tanh', queryDim: D, keyDim: D })).toThrow(
        /No attention score named "bilinear-tanh" is registered; registered attention scores: "dot", "scaled-dot", "general", "additive", "cosine", "location"/,
      );
    });

    it('bad sizes and masks throw ShapeErrors naming the layer and shapes', () => {
      expect(() => new Attention(getHeed(), { score: 'dot', queryDim: 4, keyDim: 6 })).toThrow(/Attention\(score=dot, query=4, key=6\): the "dot" score needs queryDim = keyDim, got queryDim 4 and keyDim 6/);
      const attn = new Attention(getHeed(), { score: 'general', queryDim: D, keyDim: D });
      const kt = randomNormal([B, TK, D]);
      expect(() => attn.forward(randomNormal([B, TQ, D]), kt, kt, { keyMask: tensor([[true, false]]) })).toThrow(ShapeError);
      expect(() => attn.forward(randomNormal([B, TQ, D]), kt, kt, { keyMask: tensor([[true, false]]) })).toThrow(/keyMask must be bool \[2, 4\] \(batch, keys; true = attend\), got bool \[1,2\]/);
      expect(() => attn.forward(randomNormal([B, TQ, 3]), kt)).toThrow(/query must be \[batch, tq, 5\] or \[batch, 5\], got \[2,3,3\]/);
      expect(() => new Attention(getHeed(), { score: 'location', queryDim: D, keyDim: D })).toThrow(/needs maxKeys/);
    });

    it("a user's own scorer, registered in the user's ContainerModule, resolves by name and trains", async () => {
      /** sᵀ tanh(U h): a bilinear score over a squashed key projection, with its own parameter. */
      @injectable()
      class BilinearTanhScore implements AttentionScorer {
        init(params: ScoreParameters, dims: ScoreDims): void {
          params.normal('U', [dims.keyDim, dims.queryDim], 0.3);
        }
        score(query: Tensor, keys: Tensor, params: ScoreParameters): Tensor {
          return matmul(query, tanh(matmul(keys, params.get('U'))), { transB: true });
        }
      }
      const userModule = new ContainerModule((options) => bindNamed(options, TOKENS.AttentionScore, 'bilinear-tanh', BilinearTanhScore));
      const app = await testHeed(backend, [userModule]);
      try {
        expect(app.names(TOKENS.AttentionScore)).toContain('bilinear-tanh');
        const attn = new Attention(app, { score: 'bilinear-tanh', queryDim: 4, keyDim: 4, seed: 1 });
        expect(attn.scorer).toBeInstanceOf(BilinearTanhScore);
        expect([...attn.stateDict().keys()]).toEqual(['score.U']);
        // Task: each query must retrieve the value of the key equal to it (keys are one-hot-ish).
        const keys = tensor([[[3, 0, 0, 0], [0, 3, 0, 0], [0, 0, 3, 0], [0, 0, 0, 3]]]);
        const values = tensor([[[1], [2], [3], [4]]]);
        const queries = tensor([[[0, 0, 3, 0], [3, 0, 0, 0], [0, 0, 0, 3]]]);
        const target = tensor([[[3], [1], [4]]]);
        const loss = (): Tensor => mean(square(sub(attn.forward(queries, keys, values).context, target)));
        const initial = (await loss().data())[0]!;
        const opt = new Adam(0.05);
        for (let i = 0; i < 150; i++) {
          app.tidy(() => {
            const { value, grads } = variableGrads(loss, attn.trainableParameters());
            opt.step(grads);
            value.dispose();
          });
        }
        const final = (await loss().data())[0]!;
        console.log(`[custom scorer, ${backend}] loss ${initial.toFixed(4)} → ${final.toFixed(5)}`);
        expect(final).toBeLessThan(initial / 20);
        expect(final).toBeLessThan(0.02);
        opt.dispose();
        attn.dispose();
      } finally {
        app.dispose();
        setEngine(getHeed().engine);
      }
    });
  });
});
