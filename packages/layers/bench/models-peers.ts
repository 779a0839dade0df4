/**
 * The peers of `pnpm bench models`: onnxruntime-node graphs built with the oracle's model
 * builder, and PyTorch (Debian's python3-torch) in persistent Python processes, one per
 * thread count. Both get the same weights and inputs as Heed.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { buildOnnxModel, f32, i64, type OracleNode, type OracleTensor } from '@heed/onnx-oracle';

/** One timed operation; `run` returns the milliseconds it measured itself, or nothing (timed outside). */
export interface Runner {
  run(): void | number | Promise<void | number>;
  dispose?(): void;
}

/** Named float32 tensors (row-major) with their shapes. */
export type Tensors = Map<string, { data: Float32Array; shape: number[] }>;

// ---------------------------------------------------------------------------------------
// onnxruntime-node
// ---------------------------------------------------------------------------------------

type Ort = typeof import('onnxruntime-node');
let ortModule: Ort | undefined;

/** A session on `model` with `threads` intra-op threads, timing `session.run` on `feeds`; `output` reads the first output once. */
export async function ortRunner(
  model: Uint8Array,
  feeds: Record<string, { data: Float32Array; dims: number[] }>,
  threads: number,
): Promise<Runner & { output(): Promise<Float32Array> }> {
  ortModule ??= (await import('onnxruntime-node')) as Ort;
  const ort = ortModule;
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const tensors = Object.fromEntries(Object.entries(feeds).map(([name, f]) => [name, new ort.Tensor('float32', f.data, f.dims)]));
  const runOnce = async (): Promise<Float32Array> => {
    const out = await session.run(tensors);
    const first = out[session.outputNames[0]!]!;
    const data = (first.data as Float32Array).slice();
    for (const t of Object.values(out)) t.dispose?.();
    return data;
  };
  return { run: async () => void (await runOnce()), output: runOnce, dispose: () => void session.release() };
}

/** Encoder sizes (post-norm, exact GELU, no dropout). */
export interface EncoderConfig {
  numLayers: number;
  dModel: number;
  numHeads: number;
  dFF: number;
  batch: number;
  seq: number;
}

/**
 * The ONNX graph of a post-norm Transformer encoder on `params` (PyTorch names of
 * nn.TransformerEncoder: `layers.{i}.self_attn.in_proj_weight`, …), input X [batch, seq, dModel].
 */
export function encoderOnnx(c: EncoderConfig, params: Tensors): Uint8Array {
  const nodes: OracleNode[] = [];
  const init: Record<string, OracleTensor> = {};
  const dh = c.dModel / c.numHeads;
  const p = (name: string): { data: Float32Array; shape: number[] } => params.get(name)!;
  /** Stores Wᵀ of a [out, in] weight (rows from..from+rows) as an initializer. */
  const weightT = (name: string, w: { data: Float32Array; shape: number[] }, from: number, rows: number): string => {
    const cols = w.shape[1]!;
    const t = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) for (let k = 0; k < cols; k++) t[k * rows + r] = w.data[(from + r) * cols + k]!;
    init[name] = f32([cols, rows], t);
    return name;
  };
  const vec = (name: string, v: Float32Array): string => {
    init[name] = f32([v.length], v);
    return name;
  };
  let n = 0;
  const node = (opType: string, inputs: string[], attributes?: OracleNode['attributes']): string => {
    const out = `t${n++}`;
    nodes.push({ opType, inputs, outputs: [out], ...(attributes && { attributes }) });
    return out;
  };
  init.heads = i64([4], [0, 0, c.numHeads, dh]);
  init.merged = i64([3], [0, 0, c.dModel]);
  init.scale = f32([], [1 / Math.sqrt(dh)]);
  const linear = (x: string, prefix: string, w: { data: Float32Array; shape: number[] }, b: Float32Array, from = 0, rows = w.shape[0]!): string =>
    node('Add', [node('MatMul', [x, weightT(`${prefix}.wT`, w, from, rows)]), vec(`${prefix}.b`, b.subarray(from, from + rows))]);
  let x = 'X';
  const D = c.dModel;
  for (let l = 0; l < c.numLayers; l++) {
    const L = `layers.${l}`;
    const inW = p(`${L}.self_attn.in_proj_weight`);
    const inB = p(`${L}.self_attn.in_proj_bias`).data;
    const heads = (t: string, perm: number[]): string => node('Transpose', [node('Reshape', [t, 'heads'])], { perm });
    const q = heads(linear(x, `${L}.q`, inW, inB, 0, D), [0, 2, 1, 3]);
    const k = heads(linear(x, `${L}.k`, inW, inB, D, D), [0, 2, 3, 1]);
    const v = heads(linear(x, `${L}.v`, inW, inB, 2 * D, D), [0, 2, 1, 3]);
    const probs = node('Softmax', [node('Mul', [node('MatMul', [q, k]), 'scale'])], { axis: -1 });
    const ctx = node('Reshape', [node('Transpose', [node('MatMul', [probs, v])], { perm: [0, 2, 1, 3] }), 'merged']);
    const attn = linear(ctx, `${L}.o`, p(`${L}.self_attn.out_proj.weight`), p(`${L}.self_attn.out_proj.bias`).data);
    const norm = (t: string, i: number): string =>
      node('LayerNormalization', [t, vec(`${L}.n${i}.g`, p(`${L}.norm${i}.weight`).data), vec(`${L}.n${i}.b`, p(`${L}.norm${i}.bias`).data)], { axis: -1, epsilon: 1e-5 });
    const h1 = norm(node('Add', [x, attn]), 1);
    const f1 = node('Gelu', [linear(h1, `${L}.f1`, p(`${L}.linear1.weight`), p(`${L}.linear1.bias`).data)]);
    const f2 = linear(f1, `${L}.f2`, p(`${L}.linear2.weight`), p(`${L}.linear2.bias`).data);
    x = norm(node('Add', [h1, f2]), 2);
  }
  nodes.push({ opType: 'Identity', inputs: [x], outputs: ['Y'] });
  const dummy = f32([c.batch, c.seq, c.dModel], new Float32Array(c.batch * c.seq * c.dModel));
  return buildOnnxModel({ nodes, inputs: { X: dummy }, initializers: init, outputs: ['Y'], opset: 20 });
}

/** LSTM sizes (one layer, one direction, time-major input). */
export interface LstmConfig {
  seq: number;
  batch: number;
  input: number;
  hidden: number;
}

/** The ONNX `LSTM` node on PyTorch-layout weights (gates i,f,g,o reordered to ONNX's i,o,f,c); output Y [T, 1, B, H]. */
export function lstmOnnx(c: LstmConfig, params: Tensors): Uint8Array {
  const order = [0, 3, 1, 2];
  const reorder = (v: Float32Array): Float32Array => {
    const block = v.length / 4;
    const out = new Float32Array(v.length);
    order.forEach((g, i) => out.set(v.subarray(g * block, (g + 1) * block), i * block));
    return out;
  };
  const H = c.hidden;
  const bias = new Float32Array(8 * H);
  bias.set(reorder(params.get('bias_ih_l0')!.data), 0);
  bias.set(reorder(params.get('bias_hh_l0')!.data), 4 * H);
  const dummy = f32([c.seq, c.batch, c.input], new Float32Array(c.seq * c.batch * c.input));
  return buildOnnxModel({
    nodes: [{ opType: 'LSTM', inputs: ['X', 'W', 'R', 'B'], outputs: ['Y'], attributes: { hidden_size: H } }],
    inputs: { X: dummy },
    initializers: {
      W: f32([1, 4 * H, c.input], reorder(params.get('weight_ih_l0')!.data)),
      R: f32([1, 4 * H, H], reorder(params.get('weight_hh_l0')!.data)),
      B: f32([1, 8 * H], bias),
    },
    outputs: ['Y'],
    opset: 14,
  });
}

// ---------------------------------------------------------------------------------------
// PyTorch
// ---------------------------------------------------------------------------------------

const here = dirname(fileURLToPath(import.meta.url));

/** Debian's interpreter (where apt puts python3-torch), unless HEED_BENCH_PYTHON names another. */
const python = process.env.HEED_BENCH_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');

/** Whether `python3 -c "import torch"` works; if not (and not in CI), installs Debian's python3-torch and OpenBLAS. */
export function ensureTorch(): boolean {
  const probe = (): boolean => spawnSync(python, ['-c', 'import torch, numpy'], { stdio: 'ignore' }).status === 0;
  if (probe()) return true;
  if (process.env.CI) {
    console.error('[bench models] PyTorch is missing and CI is set: no pytorch rows');
    return false;
  }
  console.error('[bench models] installing python3-torch and libopenblas0-pthread (apt-get)…');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const asRoot = process.getuid?.() === 0;
  const run = (args: string[]): boolean =>
    spawnSync(asRoot ? args[0]! : 'sudo', asRoot ? args.slice(1) : args, { stdio: 'inherit', env }).status === 0;
  if (!run(['apt-get', 'update', '-qq']) || !run(['apt-get', 'install', '-y', '-qq', 'python3-torch', 'libopenblas0-pthread'])) {
    console.error('[bench models] apt-get failed: no pytorch rows');
    return false;
  }
  return probe();
}

/** A persistent PyTorch process with `threads` threads, answering one JSON line per command. */
export class TorchPeer {
  private readonly proc: ChildProcessWithoutNullStreams;
  private readonly replies: ((line: string) => void)[] = [];

  constructor(readonly threads: number) {
    const env: Record<string, string | undefined> = { ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) };
    delete env.OPENBLAS_CORETYPE;
    delete env.OPENBLAS_L2_SIZE;
    this.proc = spawn(python, [join(here, 'models_torch.py')], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stderr.on('data', (d: Buffer) => process.stderr.write(`[pytorch-${threads}t] ${d.toString()}`));
    createInterface({ input: this.proc.stdout }).on('line', (line) => this.replies.shift()?.(line));
  }

  /** Sends a command and waits for its reply; rejects on `{"error"}`. */
  async send(msg: Record<string, unknown>): Promise<Record<string, unknown>> {
    const line = await new Promise<string>((resolve) => {
      this.replies.push(resolve);
      this.proc.stdin.write(`${JSON.stringify(msg)}\n`);
    });
    const reply = JSON.parse(line) as Record<string, unknown>;
    if (reply.error) throw new Error(`pytorch-${this.threads}t: ${String(reply.error)}`);
    return reply;
  }

  /** Loads a case from `dir` (see models_torch.py), runs its check, and returns a runner plus the check values. */
  async runner(id: string, kind: string, config: object, dir: string): Promise<Runner & { check: Float32Array }> {
    await this.send({ cmd: 'setup', id, kind, config, dir });
    const buf = readFileSync(join(dir, 'torch-check.f32'));
    const check = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    return {
      check,
      run: async () => (await this.send({ cmd: 'run', id })).ms as number,
      dispose: () => void this.send({ cmd: 'drop', id }),
    };
  }

  close(): void {
    this.proc.stdin.end();
  }
}

/** Writes tensors for the PyTorch process: `<name>.f32` files and manifest.json, in a fresh folder. */
export function writeTensors(tensors: Tensors): string {
  const root = join(tmpdir(), 'heed-bench-models');
  mkdirSync(root, { recursive: true });
  const dir = mkdtempSync(join(root, 'case-'));
  const manifest: Record<string, number[]> = {};
  for (const [name, t] of tensors) {
    writeFileSync(join(dir, `${name}.f32`), new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    manifest[name] = t.shape;
  }
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ tensors: manifest }));
  return dir;
}

/** Removes the folders written by {@link writeTensors}. */
export function removeTensorDirs(): void {
  rmSync(join(tmpdir(), 'heed-bench-models'), { recursive: true, force: true });
}
