/** BERT's numerics against an independent reference: the same weights as an ONNX graph on onnxruntime-node, on the CPU and WebGPU. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomNormal, type Heed } from '@heed/core';
import { bertOracleGraph, runOnnxGraph, type OracleTensor } from '@heed/onnx-oracle';
import { createModel, type BertForPreTraining } from '../src/index.js';
import { testHeed } from './helpers.js';
import { relErr, tinyBatch, tinyBertConfig } from './bert-helpers.js';

let heed: Heed;
beforeAll(async () => {
  heed = await testHeed('cpu');
});
afterAll(() => heed.dispose());

/** A BertForPreTraining whose every parameter is random (LayerNorm scales around 1), so no weight is trivially 0 or 1. */
function randomPreTraining(h: Heed): BertForPreTraining {
  const model = createModel<BertForPreTraining>(h, { ...tinyBertConfig(), architectures: ['BertForPreTraining'] }, { seed: 11 });
  let seed = 100;
  for (const [k, p] of model.stateDict()) {
    const std = k.includes('embeddings') ? 0.5 : 0.15;
    const r = randomNormal(p.shape, /LayerNorm\.weight$/.test(k) ? 1 : 0, std, { seed: seed++, engine: h.engine });
    p.assign(r);
    r.dispose();
  }
  return model.eval();
}

/** The ONNX graph's four outputs for the model's weights on the tiny padded batch with token types. */
async function reference(model: BertForPreTraining): Promise<Float32Array[]> {
  const weights = new Map<string, OracleTensor>();
  for (const [k, p] of model.stateDict()) weights.set(k, { dtype: 'float32', dims: [...p.shape], data: new Float32Array(await p.data()) });
  const batch = tinyBatch(heed);
  const [b, s] = batch.inputIds.shape as [number, number];
  const graph = bertOracleGraph(
    weights,
    { num_hidden_layers: 2, num_attention_heads: 4, hidden_size: 64, layer_norm_eps: 1e-12 },
    {
      input_ids: { dtype: 'int32', dims: [b, s], data: new Int32Array(await batch.inputIds.data()) },
      token_type_ids: { dtype: 'int32', dims: [b, s], data: new Int32Array(await batch.tokenTypeIds.data()) },
      attention_mask: { dtype: 'float32', dims: [b, s], data: Float32Array.from(await batch.attentionMask.data()) },
      position_ids: { dtype: 'int32', dims: [1, s], data: Int32Array.from({ length: s }, (_, i) => i) },
    },
  );
  const out = await runOnnxGraph(graph);
  expect(out[0]!.dims).toEqual([b, s, 64]);
  expect(out[2]!.dims).toEqual([b, s, 97]);
  return out.map((t) => t.data as Float32Array);
}

/** Normwise relative errors of the model's outputs (on its own engine) against the reference. */
async function errors(h: Heed, model: BertForPreTraining, ref: Float32Array[]): Promise<Record<string, number>> {
  const batch = tinyBatch(h);
  const ours = model.forward(batch);
  const base = model.bert.forward(batch);
  return {
    lastHiddenState: relErr(await base.lastHiddenState.data(), ref[0]!),
    poolerOutput: relErr(await base.poolerOutput!.data(), ref[1]!),
    predictionLogits: relErr(await ours.predictionLogits.data(), ref[2]!),
    seqRelationshipLogits: relErr(await ours.seqRelationshipLogits.data(), ref[3]!),
  };
}

describe('BERT against onnxruntime', () => {
  it('CPU: last hidden state, pooled output, MLM and NSP logits agree to 1e-4 with padding and token types', async () => {
    const model = randomPreTraining(heed);
    const ref = await reference(model);
    const errs = await errors(heed, model, ref);
    for (const [name, e] of Object.entries(errs)) expect(e, name).toBeLessThanOrEqual(1e-4);
    // The comparison sees the mask and the token types: dropping either moves far off the reference.
    const batch = tinyBatch(heed);
    const noMask = model.bert.forward({ inputIds: batch.inputIds, tokenTypeIds: batch.tokenTypeIds }).lastHiddenState;
    expect(relErr(await noMask.data(), ref[0]!)).toBeGreaterThan(1e-2);
    const noTypes = model.bert.forward({ inputIds: batch.inputIds, attentionMask: batch.attentionMask }).lastHiddenState;
    expect(relErr(await noTypes.data(), ref[0]!)).toBeGreaterThan(1e-2);
    console.log(`BERT (CPU) vs onnxruntime, normwise relative errors: ${JSON.stringify(errs)}`);
    model.dispose();
  });

  it('WebGPU: the same four outputs agree to 1e-4', async () => {
    const gpu = await testHeed('webgpu');
    try {
      const model = randomPreTraining(gpu);
      const ref = await reference(model);
      const errs = await errors(gpu, model, ref);
      for (const [name, e] of Object.entries(errs)) expect(e, name).toBeLessThanOrEqual(1e-4);
      console.log(`BERT (WebGPU) vs onnxruntime, normwise relative errors: ${JSON.stringify(errs)}`);
      model.dispose();
    } finally {
      gpu.dispose();
    }
  });
});
