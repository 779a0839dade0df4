/**
 * `@heed/onnx-oracle`: a test helper that builds one-op (or small) ONNX graphs in memory
 * and runs them with onnxruntime-node on CPU, as an independent numerical reference.
 */
export * from './types.js';
export * from './tensors.js';
export { buildOnnxModel, attributeProto, checkOracleTensor, ONNX_DATA_TYPE } from './model.js';
export {
  runOnnxOp,
  runOnnxGraph,
  releaseOnnxSessions,
  cachedOnnxSessionCount,
  type RunOnnxOpOptions,
  type RunOnnxGraphOptions,
} from './run.js';
export { bertOracleGraph, BERT_ORACLE_OUTPUTS, type BertOracleConfig, type BertOracleInputs } from './bert.js';
