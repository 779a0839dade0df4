/** BERT's numerics against an independent reference: the same weights as an ONNX graph on onnxruntime-node. */
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
function randomPreTraining(config = tinyBertConfig()): BertForPreTraining {
  const model = createModel<BertForPreTraining>(heed, { ...config, architectures: ['BertForPreTraining'] }, { seed: 11 });
  let seed = 100;
  for (const [k, p] of model.stateDict()) {
    const r = randomNormal(p.shape, /LayerNorm\.weight$/.test(k) ? 1 : 0, k.includes('embeddings') ? 0.5 : 0.15, {
      seed: seed++,
      engine: heed.engine,
    });
    p.assign(r);
    r.dispose();
  }
  return model.eval();
}

async function oracleWeights(model: BertForPreTraining): Promise<Map<string, OracleTensor>> {
  const out = new Map<string, OracleTensor>();
  for (const [k, p] of model.stateDict()) out.set(k, { dtype: 'float32', dims: [...p.shape], data: new Float32Array(await p.data()) });
  return out;
}

describe('BERT against onnxruntime', () => {
  it('last hidden state, pooled output, MLM and NSP logits agree to 1e-4 with padding and token types', async () => {
    const model = randomPreTraining();
    const batch = tinyBatch(heed);
    const [b, s] = batch.inputIds.shape as [number, number];
    const mask = await batch.attentionMask.data();
    const graph = bertOracleGraph(
      await oracleWeights(model),
      { num_hidden_layers: 2, num_attention_heads: 4, hidden_size: 64, layer_norm_eps: 1e-12 },
      {
        input_ids: { dtype: 'int32', dims: [b, s], data: new Int32Array(await batch.inputIds.data()) },
        token_type_ids: { dtype: 'int32', dims: [b, s], data: new Int32Array(await batch.tokenTypeIds.data()) },
        attention_mask: { dtype: 'float32', dims: [b, s], data: Float32Array.from(mask) },
        position_ids: { dtype: 'int32', dims: [1, s], data: Int32Array.from({ length: s }, (_, i) => i) },
      },
    );
    const [hidden, pooled, mlm, nsp] = await runOnnxGraph(graph);
    const ours = model.forward(batch);
    const base = model.bert.forward(batch);
    const errs = {
      lastHiddenState: relErr(await base.lastHiddenState.data(), hidden!.data as Float32Array),
      poolerOutput: relErr(await base.poolerOutput!.data(), pooled!.data as Float32Array),
      predictionLogits: relErr(await ours.predictionLogits.data(), mlm!.data as Float32Array),
      seqRelationshipLogits: relErr(await ours.seqRelationshipLogits.data(), nsp!.data as Float32Array),
    };
    expect(hidden!.dims).toEqual([b, s, 64]);
    expect(mlm!.dims).toEqual([b, s, 97]);
    for (const [name, e] of Object.entries(errs)) expect(e, name).toBeLessThanOrEqual(1e-4);
    // The comparison sees the mask and the token types: dropping either moves far off the reference.
    const noMask = model.bert.forward({ inputIds: batch.inputIds, tokenTypeIds: batch.tokenTypeIds }).lastHiddenState;
    expect(relErr(await noMask.data(), hidden!.data as Float32Array)).toBeGreaterThan(1e-2);
    const noTypes = model.bert.forward({ inputIds: batch.inputIds, attentionMask: batch.attentionMask }).lastHiddenState;
    expect(relErr(await noTypes.data(), hidden!.data as Float32Array)).toBeGreaterThan(1e-2);
    console.log(`BERT vs onnxruntime, normwise relative errors: ${JSON.stringify(errs)}`);
    model.dispose();
  });
});
