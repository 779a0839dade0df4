/**
 * A small model's forward pass written against Heed's public ops, so it runs on any
 * backend: token embeddings + positions → layer norm → one self-attention head (causal)
 * → GELU feed-forward → logits → softmax over a tiny vocabulary. Weights come from a
 * seeded Rng, so the page (WebGPU or CPU in a browser) and Node (CPU) compute the same thing.
 */
import { add, gather, gelu, layerNorm, matmul, ones, Rng, reshape, scaledDotProductAttention, softmax, tensor, zeros, type Engine, type Tensor } from '@heed/core';

/** Sizes of the demo model. */
export const MODEL = { vocab: 12, dim: 16, seq: 6, hidden: 32 } as const;
/** The token ids the page feeds the model. */
export const TOKENS = [3, 1, 4, 1, 5, 9];

/** Runs the forward pass on `engine` and returns next-token probabilities [seq, vocab], flattened. */
export async function runModel(engine: Engine, seed = 42): Promise<Float32Array> {
  const { vocab, dim, seq, hidden } = MODEL;
  const rng = new Rng(seed);
  const o = { engine };
  const w = (shape: number[], scale: number): Tensor =>
    tensor(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.uniform(-scale, scale)), shape, 'float32', o);
  const emb = w([vocab, dim], 1);
  const pos = w([seq, dim], 0.2);
  const wq = w([dim, dim], 0.5);
  const wk = w([dim, dim], 0.5);
  const wv = w([dim, dim], 0.5);
  const w1 = w([dim, hidden], 0.4);
  const w2 = w([hidden, dim], 0.4);
  const wout = w([dim, vocab], 0.5);
  const gamma = ones([dim], 'float32', o);
  const beta = zeros([dim], 'float32', o);
  const ids = tensor(TOKENS, [seq], 'int32', o);
  const probs = engine.tidy(() => {
    const x = layerNorm(add(gather(emb, ids, 0), pos), gamma, beta);
    const heads = (t: Tensor): Tensor => reshape(t, [1, 1, seq, dim]);
    const att = reshape(scaledDotProductAttention(heads(matmul(x, wq)), heads(matmul(x, wk)), heads(matmul(x, wv)), { causal: true }), [seq, dim]);
    const h = add(x, att);
    const f = add(h, matmul(gelu(matmul(h, w1)), w2));
    return softmax(matmul(layerNorm(f, gamma, beta), wout));
  });
  const out = (await probs.data()) as Float32Array;
  for (const t of [emb, pos, wq, wk, wv, w1, w2, wout, gamma, beta, ids, probs]) t.dispose();
  return out;
}
