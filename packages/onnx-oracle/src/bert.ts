/**
 * An ONNX graph of a BERT encoder with its pooler, masked-LM and next-sentence heads, built
 * from Hugging Face-named weights, as an independent reference for a BERT implementation.
 * Only standard ONNX operators (opset 17) are used: Gather, MatMul, Softmax,
 * LayerNormalization, Erf, Tanh; the padding mask is the additive mask of HF's BERT.
 */
import type { OracleGraph, OracleNode, OracleTensor } from './types.js';

/** The config fields the graph needs (HF's names). */
export interface BertOracleConfig {
  num_hidden_layers: number;
  num_attention_heads: number;
  hidden_size: number;
  layer_norm_eps: number;
}

/** Graph inputs, as the caller feeds them. */
export interface BertOracleInputs {
  /** int32 [b, S]. */
  input_ids: OracleTensor;
  /** float32 [b, S]: 1 for real tokens, 0 for padding. */
  attention_mask: OracleTensor;
  /** int32 [b, S]. */
  token_type_ids: OracleTensor;
  /** int32 [1, S]: 0..S−1. */
  position_ids: OracleTensor;
}

/** The graph's outputs, in this order. */
export const BERT_ORACLE_OUTPUTS = ['last_hidden_state', 'pooler_output', 'prediction_logits', 'seq_relationship_logits'] as const;

const f32 = (values: number[]): OracleTensor => ({ dtype: 'float32', dims: [], data: new Float32Array(values) });
const i64 = (values: number[]): OracleTensor => ({ dtype: 'int64', dims: [values.length], data: BigInt64Array.from(values.map(BigInt)) });

/**
 * Builds the graph of HF's `BertForPreTraining` forward pass from `weights` keyed by HF's
 * names (`bert.embeddings.word_embeddings.weight`, …, `cls.predictions.bias`,
 * `cls.seq_relationship.weight`); the MLM decoder uses the word embeddings (tied).
 *
 * @throws Error naming a weight the graph needs and `weights` lacks.
 */
export function bertOracleGraph(weights: ReadonlyMap<string, OracleTensor>, config: BertOracleConfig, inputs: BertOracleInputs): OracleGraph {
  const nodes: OracleNode[] = [];
  const initializers: Record<string, OracleTensor> = {};
  let n = 0;
  const node = (opType: string, ins: string[], attributes?: OracleNode['attributes']): string => {
    const out = `t${n++}_${opType}`;
    nodes.push({ opType, inputs: ins, outputs: [out], ...(attributes && { attributes }) });
    return out;
  };
  const w = (key: string): string => {
    const t = weights.get(key);
    if (!t) throw new Error(`bertOracleGraph: weight "${key}" is missing`);
    initializers[key] = t;
    return key;
  };
  const konst = (name: string, t: OracleTensor): string => {
    initializers[name] = t;
    return name;
  };
  const H = config.hidden_size;
  const heads = config.num_attention_heads;
  const d = H / heads;
  const eps = config.layer_norm_eps;
  konst('half', f32([0.5]));
  konst('one', f32([1]));
  konst('rsqrt2', f32([Math.SQRT1_2]));
  konst('scale', f32([1 / Math.sqrt(d)]));
  konst('neg_big', f32([-1e9]));
  konst('shape_heads', i64([0, 0, heads, d]));
  konst('shape_hidden', i64([0, 0, H]));
  konst('shape_mask', i64([0, 1, 1, -1]));
  konst('first', { dtype: 'int64', dims: [], data: BigInt64Array.from([0n]) });

  const linear = (x: string, prefix: string): string =>
    node('Add', [node('MatMul', [x, node('Transpose', [w(`${prefix}.weight`)], { perm: [1, 0] })]), w(`${prefix}.bias`)]);
  const layerNorm = (x: string, prefix: string): string =>
    node('LayerNormalization', [x, w(`${prefix}.weight`), w(`${prefix}.bias`)], { axis: -1, epsilon: eps });
  const gelu = (x: string): string => node('Mul', [node('Mul', [x, 'half']), node('Add', [node('Erf', [node('Mul', [x, 'rsqrt2'])]), 'one'])]);

  const e = 'bert.embeddings';
  let x = node('Add', [
    node('Add', [
      node('Gather', [w(`${e}.word_embeddings.weight`), 'input_ids']),
      node('Gather', [w(`${e}.token_type_embeddings.weight`), 'token_type_ids']),
    ]),
    node('Gather', [w(`${e}.position_embeddings.weight`), 'position_ids']),
  ]);
  x = layerNorm(x, `${e}.LayerNorm`);
  const additiveMask = node('Reshape', [node('Mul', [node('Sub', ['one', 'attention_mask']), 'neg_big']), 'shape_mask']);

  for (let l = 0; l < config.num_hidden_layers; l++) {
    const p = `bert.encoder.layer.${l}`;
    const heads4 = (t: string, perm: number[]): string => node('Transpose', [node('Reshape', [t, 'shape_heads'])], { perm });
    const q = heads4(linear(x, `${p}.attention.self.query`), [0, 2, 1, 3]);
    const kT = heads4(linear(x, `${p}.attention.self.key`), [0, 2, 3, 1]);
    const v = heads4(linear(x, `${p}.attention.self.value`), [0, 2, 1, 3]);
    const scores = node('Add', [node('Mul', [node('MatMul', [q, kT]), 'scale']), additiveMask]);
    const ctx = node('MatMul', [node('Softmax', [scores], { axis: -1 }), v]);
    const merged = node('Reshape', [node('Transpose', [ctx], { perm: [0, 2, 1, 3] }), 'shape_hidden']);
    const attn = layerNorm(node('Add', [linear(merged, `${p}.attention.output.dense`), x]), `${p}.attention.output.LayerNorm`);
    const inter = gelu(linear(attn, `${p}.intermediate.dense`));
    x = layerNorm(node('Add', [linear(inter, `${p}.output.dense`), attn]), `${p}.output.LayerNorm`);
  }
  nodes.push({ opType: 'Identity', inputs: [x], outputs: ['last_hidden_state'] });
  const pooled = node('Tanh', [linear(node('Gather', [x, 'first'], { axis: 1 }), 'bert.pooler.dense')]);
  nodes.push({ opType: 'Identity', inputs: [pooled], outputs: ['pooler_output'] });
  const t = layerNorm(gelu(linear(x, 'cls.predictions.transform.dense')), 'cls.predictions.transform.LayerNorm');
  const decoderT = node('Transpose', [w(`${e}.word_embeddings.weight`)], { perm: [1, 0] });
  nodes.push({ opType: 'Add', inputs: [node('MatMul', [t, decoderT]), w('cls.predictions.bias')], outputs: ['prediction_logits'] });
  nodes.push({ opType: 'Identity', inputs: [linear(pooled, 'cls.seq_relationship')], outputs: ['seq_relationship_logits'] });
  return { nodes, inputs: { ...inputs }, initializers, outputs: [...BERT_ORACLE_OUTPUTS], opset: 17 };
}
