/**
 * Runs oracle graphs on onnxruntime-node (CPU, one thread, graph optimizations off so
 * the graph runs as written).
 */
import * as ort from 'onnxruntime-node';
import { buildOnnxModel, checkOracleTensor } from './model.js';
import { DEFAULT_OPSET, type OracleAttribute, type OracleDType, type OracleGraph, type OracleTensor } from './types.js';

/** Options of {@link runOnnxOp}. */
export interface RunOnnxOpOptions {
  /** How many outputs the node has (all are returned); default 1. */
  numOutputs?: number;
  /** Default-domain opset; {@link DEFAULT_OPSET} (17) when omitted. Gelu needs 20. */
  opset?: number;
  /** Operator domain, e.g. `"com.microsoft"` (then imported at version 1). */
  domain?: string;
  /** Constant inputs (ONNX initializers) by input position, instead of run-time feeds. */
  constantInputs?: number[];
}

/** Options of {@link runOnnxGraph}. */
export interface RunOnnxGraphOptions {
  /**
   * Keep the session for later runs of an identical model (same bytes) instead of
   * releasing it after the run. Call {@link releaseOnnxSessions} (e.g. in `afterAll`)
   * when caching, so that no native session outlives the tests.
   */
  cache?: boolean;
}

const SESSION_OPTIONS: ort.InferenceSession.SessionOptions = {
  executionProviders: ['cpu'],
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  graphOptimizationLevel: 'disabled',
  logSeverityLevel: 3,
};

const cache = new Map<string, Promise<ort.InferenceSession>>();

/** Releases every cached session (see {@link RunOnnxGraphOptions.cache}). */
export async function releaseOnnxSessions(): Promise<void> {
  const sessions = [...cache.values()];
  cache.clear();
  await Promise.all(sessions.map(async (s) => (await s).release()));
}

/** Number of sessions currently cached. */
export function cachedOnnxSessionCount(): number {
  return cache.size;
}

function toOrt(t: OracleTensor, name: string): ort.Tensor {
  checkOracleTensor(t, `input "${name}"`);
  return new ort.Tensor(t.dtype, t.data, t.dims);
}

const ORT_TO_ORACLE: Record<string, OracleDType> = { float32: 'float32', int32: 'int32', int64: 'int64', bool: 'bool' };

function fromOrt(t: ort.Tensor, name: string): OracleTensor {
  const dtype = ORT_TO_ORACLE[t.type];
  if (!dtype) throw new Error(`output "${name}" has type ${t.type}, which the oracle does not return (cast it first)`);
  const data = t.data as OracleTensor['data'];
  return { dtype, dims: [...t.dims], data: data.slice() };
}

/**
 * Runs a small ONNX graph on onnxruntime-node and returns its outputs, in the order of
 * `graph.outputs`, as fresh arrays. The session is released after the run unless
 * `options.cache` is set.
 *
 * @throws Error from onnxruntime when the model is invalid or the op unsupported (its
 *   message is kept), or when a tensor's data do not match its dtype and dims.
 */
export async function runOnnxGraph(graph: OracleGraph, options: RunOnnxGraphOptions = {}): Promise<OracleTensor[]> {
  const bytes = buildOnnxModel(graph);
  let session: ort.InferenceSession;
  if (options.cache) {
    const key = Buffer.from(bytes).toString('base64');
    let pending = cache.get(key);
    if (!pending) {
      pending = ort.InferenceSession.create(bytes, SESSION_OPTIONS);
      cache.set(key, pending);
      pending.catch(() => cache.delete(key));
    }
    session = await pending;
  } else {
    session = await ort.InferenceSession.create(bytes, SESSION_OPTIONS);
  }
  const feeds: Record<string, ort.Tensor> = {};
  try {
    for (const [name, t] of Object.entries(graph.inputs)) feeds[name] = toOrt(t, name);
    const results = await session.run(feeds, graph.outputs);
    try {
      return graph.outputs.map((name) => {
        const out = results[name];
        if (!out) throw new Error(`onnxruntime returned no output "${name}"`);
        return fromOrt(out, name);
      });
    } finally {
      for (const t of Object.values(results)) t.dispose();
    }
  } finally {
    for (const t of Object.values(feeds)) t.dispose();
    if (!options.cache) await session.release();
  }
}

/**
 * Runs one ONNX operator on the given inputs and returns its outputs.
 *
 * @param opType - The operator, e.g. `"LSTM"`.
 * @param inputs - Inputs in the operator's order; `null` for an omitted optional input.
 * @param attributes - Node attributes (see {@link OracleAttribute} for typing rules).
 * @param options - Output count, opset, domain, constant inputs.
 * @example
 * const [y] = await runOnnxOp('MatMul', [a, b], {});
 */
export async function runOnnxOp(
  opType: string,
  inputs: (OracleTensor | null)[],
  attributes: Record<string, OracleAttribute> = {},
  options: RunOnnxOpOptions & RunOnnxGraphOptions = {},
): Promise<OracleTensor[]> {
  const constant = new Set(options.constantInputs ?? []);
  const graphInputs: Record<string, OracleTensor> = {};
  const initializers: Record<string, OracleTensor> = {};
  const names = inputs.map((t, i) => {
    if (t === null) return '';
    const name = `x${i}`;
    (constant.has(i) ? initializers : graphInputs)[name] = t;
    return name;
  });
  while (names.length > 0 && names[names.length - 1] === '') names.pop();
  const outputs = Array.from({ length: options.numOutputs ?? 1 }, (_, i) => `y${i}`);
  return runOnnxGraph(
    {
      nodes: [{ opType, inputs: names, outputs, attributes, ...(options.domain ? { domain: options.domain } : {}) }],
      inputs: graphInputs,
      initializers,
      outputs,
      opset: options.opset ?? DEFAULT_OPSET,
      ...(options.domain ? { domainOpsets: { [options.domain]: 1 } } : {}),
    },
    options.cache ? { cache: true } : {},
  );
}
