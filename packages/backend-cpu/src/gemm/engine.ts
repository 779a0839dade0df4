/**
 * GemmEngine: batched sgemm on WebAssembly SIMD over a shared memory and a worker pool.
 *
 * One call: copy the operands into the wasm memory, describe the job in the control block,
 * then every thread (the caller first, then any worker that wakes up) claims tasks from a
 * shared counter: packing tasks (A and B into micro-panels), then compute tasks (tiles of
 * C, each over the whole k in k-blocks). The caller blocks on Atomics.wait until the last
 * task is done, then copies C out. See asm/index.ts for the task loop.
 */
import { sgemmJs } from './js-gemm.js';
import { selectKernel } from './kernel-select.js';
import { GEMM_WASM_MAX_PAGES } from './kernel-wasm.generated.js';
import { CTL_ADDR, CTL_BYTES, JobKind, MAX_TASKS, MR, NR, RowOp, Slot, type RowOpCode } from './layout.js';
import { threadsSupported, WorkerPool } from './node-pool.js';
import { hardwareThreads } from './runtime.js';
import type { GemmEngineInfo, GemmEngineOptions, RowKernelParams, SgemmArgs } from './types.js';
import { wasmApi, type GemmExports, type WasmMemory, type WasmModule } from './wasm-api.js';

/** Below this many multiply-adds (batch·m·n·k) the product is computed in plain JS. */
const JS_MAX_WORK = 4096;
/** Below this many multiply-adds the caller's thread computes alone (no worker handoff). */
const THREAD_MIN_WORK = 1 << 17;
/** Most A panels (of MR rows) in a compute tile: the A block that stays in L2. */
const TILE_PA_MAX = 24;
/** Most B panels (of NR columns) in a compute tile. */
const TILE_PB_MAX = 64;
/** k-block length: one B micro-panel of KC×NR floats stays in L1. */
const KC = 256;
/** Floats that one packing task moves. */
const PACK_TASK_FLOATS = 1 << 15;
/** Soft limit on the bytes one job uses; larger batches are split into several jobs. */
const JOB_BYTES = 512 * 1024 * 1024;
const PAGE = 65536;
/**
 * Below this many elements a row / elementwise kernel runs on the caller's thread alone:
 * waking a worker costs tens of microseconds, about what 32k exponentials take here.
 */
const ROW_THREAD_MIN_ELEMS = 1 << 15;
/** Elements per task of an elementwise job (threaded). */
const MAP_BLOCK = 4096;

const align = (x: number, to = 64): number => Math.ceil(x / to) * to;

/** A tile plan for one job. */
interface Plan {
  pa: number;
  pb: number;
  tpa: number;
  tpb: number;
  tilesM: number;
  tilesN: number;
  kc: number;
}

function plan(m: number, n: number, k: number, batch: number, threads: number): Plan {
  const pa = Math.ceil(m / MR);
  const pb = Math.ceil(n / NR);
  let tpa = Math.min(pa, TILE_PA_MAX);
  let tpb = Math.min(pb, TILE_PB_MAX);
  if (threads > 1) {
    // Enough tiles for dynamic balancing between threads, without making them tiny.
    const want = 4 * threads;
    while (batch * Math.ceil(pa / tpa) * Math.ceil(pb / tpb) < want) {
      if (tpb >= 16) tpb = Math.ceil(tpb / 2);
      else if (tpa >= 8) tpa = Math.ceil(tpa / 2);
      else break;
    }
  }
  const kc = k <= KC + KC / 2 ? k : KC;
  return { pa, pb, tpa, tpb, tilesM: Math.ceil(pa / tpa), tilesN: Math.ceil(pb / tpb), kc };
}

function checkArgs(x: SgemmArgs): void {
  const ints: Array<keyof SgemmArgs> = ['batch', 'm', 'n', 'k', 'aOffset', 'aBatchStride', 'bOffset', 'bBatchStride', 'cOffset'];
  for (const key of ints) {
    const v = x[key] as number;
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`sgemm: ${key} must be a non-negative integer, got ${v}`);
  }
  const { batch, m, n, k } = x;
  if (batch === 0 || m === 0 || n === 0) return;
  const need = (name: string, arr: Float32Array, off: number, stride: number, size: number): void => {
    if (size === 0) return;
    const end = off + (batch - 1) * stride + size;
    if (end > arr.length) {
      throw new RangeError(`sgemm: ${name} needs ${end} elements (batch ${batch}, m ${m}, n ${n}, k ${k}), has ${arr.length}`);
    }
  };
  need('a', x.a, x.aOffset, x.aBatchStride, m * k);
  need('b', x.b, x.bOffset, x.bBatchStride, k * n);
  need('c', x.c, x.cOffset, m * n, m * n);
}

/** Fast batched single-precision matrix multiply for the CPU backend. */
export class GemmEngine {
  /** Which code path is active: kernel 'relaxed' | 'simd128' | 'js', and the thread count. */
  readonly info: GemmEngineInfo;

  private readonly module?: WasmModule;
  private readonly memory?: WasmMemory;
  private readonly wasm?: GemmExports;
  private f32: Float32Array<ArrayBufferLike> = new Float32Array(0);
  private i32: Int32Array<ArrayBufferLike> = new Int32Array(0);
  private gen = 0;
  private pool?: WorkerPool;
  private readonly workerCount: number;
  private disposed = false;

  private constructor(kind: string, threads: number, module?: WasmModule, memory?: WasmMemory, wasm?: GemmExports) {
    this.module = module;
    this.memory = memory;
    this.wasm = wasm;
    this.workerCount = threads - 1;
    this.info = Object.freeze({ kernel: kind, threads });
    this.refreshViews();
  }

  /**
   * Creates an engine synchronously: compiles the best wasm build (relaxed SIMD, else
   * simd128, else none: plain JS). Worker threads are started on the first product large
   * enough to use them, asynchronously; until they are up, the caller's thread computes
   * alone.
   */
  static create(options: GemmEngineOptions = {}): GemmEngine {
    const requested = options.threads ?? Math.min(hardwareThreads(), 8);
    if (!Number.isInteger(requested) || requested < 1) throw new RangeError(`GemmEngine: threads must be a positive integer, got ${requested}`);
    const selected = selectKernel(options.kernel);
    const api = wasmApi();
    if (selected.kind !== 'js' && selected.module && api) {
      try {
        const memory = new api.Memory({ initial: Math.ceil(CTL_BYTES / PAGE), maximum: GEMM_WASM_MAX_PAGES, shared: true });
        const instance = new api.Instance(selected.module, { env: { memory } });
        (instance.exports as GemmExports).initConstants();
        const threads = threadsSupported() ? requested : 1;
        return new GemmEngine(selected.kind, threads, selected.module, memory, instance.exports as GemmExports);
      } catch {
        // No shared memory here (e.g. a browser page without cross-origin isolation).
      }
    }
    return new GemmEngine('js', 1);
  }

  /**
   * Resolves when the worker threads are started and ready (immediately when the engine
   * is single-threaded). Optional: sgemm works before that, on fewer threads.
   */
  async ready(): Promise<void> {
    this.ensurePool();
    await this.pool?.ready;
  }

  /** Tasks run by worker threads so far (statistics, for tests and benchmarks). */
  get workerTasks(): number {
    return this.i32.length ? Atomics.load(this.i32, CTL_ADDR / 4 + Slot.WORKER_TASKS) : 0;
  }

  /** Computes C[b] = op(A[b])·op(B[b]) for every b; returns when C is written. */
  sgemm(args: SgemmArgs): void {
    if (this.disposed) throw new Error('GemmEngine: used after dispose()');
    checkArgs(args);
    const { batch, m, n, k } = args;
    if (batch === 0 || m === 0 || n === 0) return;
    if (k === 0) {
      args.c.fill(0, args.cOffset, args.cOffset + batch * m * n);
      return;
    }
    const work = batch * m * n * k;
    if (!this.wasm || work < JS_MAX_WORK) {
      sgemmJs(args);
      return;
    }
    const threaded = this.workerCount > 0 && work >= THREAD_MIN_WORK;
    if (threaded) this.ensurePool();
    const threads = threaded ? this.workerCount + 1 : 1;

    // Split the batch so that one job stays within the task counter and the memory budget.
    const p = plan(m, n, k, batch, threads);
    const bcastA = args.aBatchStride === 0 && batch > 1;
    const bcastB = args.bBatchStride === 0 && batch > 1;
    const perBatchBytes =
      4 * ((bcastA ? 0 : m * k + p.pa * MR * k) + (bcastB ? 0 : k * n + p.pb * NR * k) + p.pa * MR * p.pb * NR);
    const tasksPerBatch = p.tilesM * p.tilesN + 2 * Math.max(p.pa, p.pb);
    let chunk = Math.max(1, Math.min(batch, Math.floor(JOB_BYTES / Math.max(1, perBatchBytes)), Math.floor(MAX_TASKS / tasksPerBatch)));
    if (chunk < batch) chunk = Math.ceil(batch / Math.ceil(batch / chunk));
    for (let b0 = 0; b0 < batch; b0 += chunk) {
      this.job(args, b0, Math.min(chunk, batch - b0), p, threaded, threads);
    }
  }

  /** True when the WebAssembly kernels (GEMM and row kernels) are in use, false in the JS fallback. */
  get hasWasm(): boolean {
    return this.wasm !== undefined && !this.disposed;
  }

  /**
   * Runs a row or elementwise kernel of the wasm module (asm/rows.ts) over `x` and returns
   * a new array with the result, or undefined when the engine has no wasm (the caller then
   * computes in JS). Row ops (softmax, log-softmax, layer norm) work on rows of `cols`
   * elements (`x.length` must be a multiple); layer norm takes γ, β (length `cols`) and ε
   * in `params`. Elementwise ops ignore `cols`. Large inputs are split into tasks of whole
   * rows over the worker threads.
   */
  rowKernel(op: RowOpCode, x: Float32Array, cols: number, params?: RowKernelParams): Float32Array | undefined {
    if (this.disposed) throw new Error('GemmEngine: used after dispose()');
    if (!this.wasm) return undefined;
    const count = x.length;
    if (count === 0) return new Float32Array(0);
    const elementwise = op >= RowOp.GELU;
    if (!elementwise && (!Number.isInteger(cols) || cols < 1 || count % cols !== 0)) {
      throw new RangeError(`rowKernel: ${count} elements do not make rows of ${cols}`);
    }
    const withParams = op === RowOp.LAYER_NORM;
    if (withParams && (!params || params.gamma.length < cols || params.beta.length < cols)) {
      throw new RangeError(`rowKernel: layer norm needs gamma and beta of length ${cols}`);
    }
    const xAddr = align(CTL_ADDR + CTL_BYTES);
    const gAddr = align(xAddr + count * 4);
    const bAddr = align(gAddr + (withParams ? cols * 4 : 0));
    const end = bAddr + (withParams ? cols * 4 : 0);
    if (end > GEMM_WASM_MAX_PAGES * PAGE) throw new RangeError(`rowKernel: input too large for the wasm memory (${end} bytes)`);
    this.reserve(end);
    const f32 = this.f32;
    f32.set(x, xAddr / 4);
    if (withParams) {
      f32.set(params!.gamma.subarray(0, cols), gAddr / 4);
      f32.set(params!.beta.subarray(0, cols), bAddr / 4);
    }
    const eps = params?.eps ?? 0;
    const threaded = this.workerCount > 0 && count >= ROW_THREAD_MIN_ELEMS;
    if (!threaded) {
      const rows = elementwise ? 1 : count / cols;
      this.wasm.rowOp(op, xAddr, xAddr, 0, rows, elementwise ? count : cols, count, gAddr, bAddr, eps);
    } else {
      this.ensurePool();
      const rowLen = elementwise ? MAP_BLOCK : cols;
      const rows = Math.ceil(count / rowLen);
      // About four tasks per thread for balance, none much under MAP_BLOCK elements.
      const chunk = Math.max(1, Math.ceil(rows / (4 * (this.workerCount + 1))), Math.floor(MAP_BLOCK / rowLen));
      const i32 = this.i32;
      const s = CTL_ADDR / 4;
      i32[s + Slot.ROW_OP] = op;
      i32[s + Slot.ROW_X] = xAddr;
      i32[s + Slot.ROW_Y] = xAddr;
      i32[s + Slot.ROW_ROWS] = rows;
      i32[s + Slot.ROW_COLS] = rowLen;
      i32[s + Slot.ROW_COUNT] = count;
      i32[s + Slot.ROW_CHUNK] = chunk;
      i32[s + Slot.ROW_GAMMA] = gAddr;
      i32[s + Slot.ROW_BETA] = bAddr;
      f32[s + Slot.ROW_EPS] = eps;
      this.dispatch(JobKind.ROWS, Math.ceil(rows / chunk), true);
    }
    return f32.slice(xAddr / 4, xAddr / 4 + count);
  }

  /** Stops the workers and releases the memory. The engine cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.i32.length) {
      const base = CTL_ADDR / 4;
      Atomics.store(this.i32, base + Slot.QUIT, 1);
      Atomics.add(this.i32, base + Slot.GEN, 1);
      Atomics.notify(this.i32, base + Slot.GEN);
    }
    this.pool?.dispose();
    this.pool = undefined;
    this.f32 = new Float32Array(0);
    this.i32 = new Int32Array(0);
  }

  private ensurePool(): void {
    if (this.pool || this.disposed || this.workerCount < 1 || !this.module || !this.memory) return;
    this.pool = WorkerPool.start(this.module, this.memory, CTL_ADDR, this.workerCount);
  }

  private refreshViews(): void {
    if (!this.memory) return;
    const buf = this.memory.buffer;
    if (this.f32.buffer !== buf || this.f32.length * 4 !== buf.byteLength) {
      this.f32 = new Float32Array(buf);
      this.i32 = new Int32Array(buf);
    }
  }

  private reserve(bytes: number): void {
    const memory = this.memory!;
    const have = memory.buffer.byteLength;
    if (bytes > have) {
      const pages = Math.ceil((bytes - have) / PAGE);
      try {
        memory.grow(pages);
      } catch (e) {
        throw new RangeError(`sgemm: cannot grow the wasm memory to ${bytes} bytes (${String(e)})`);
      }
    }
    this.refreshViews();
  }

  /**
   * Runs the job described in the control block: wakes the workers (when `threaded`), takes
   * tasks on this thread too, and returns once all `total` tasks are done.
   */
  private dispatch(kind: number, total: number, threaded: boolean): void {
    const i32 = this.i32;
    const s = CTL_ADDR / 4;
    i32[s + Slot.KIND] = kind;
    i32[s + Slot.TOTAL] = total;
    Atomics.store(i32, s + Slot.PACK_DONE, 0);
    Atomics.store(i32, s + Slot.DONE, 0);
    const gen = (this.gen = (this.gen % 0x3fffffff) + 1);
    Atomics.store(i32, s + Slot.CLAIM, (gen & 0x7ff) << 20);

    // Run: wake the workers, take tasks here too, wait for the stragglers.
    if (threaded) {
      Atomics.store(i32, s + Slot.GEN, gen);
      Atomics.notify(i32, s + Slot.GEN);
    }
    this.wasm!.runTasks(CTL_ADDR, gen, 0);
    // Sleep (not spin) until the workers' last tasks are done: polling here would take the
    // core from our own worker on a loaded machine (measured: slower).
    for (;;) {
      const done = Atomics.load(i32, s + Slot.DONE);
      if (done >= total) break;
      Atomics.wait(i32, s + Slot.DONE, done, 50);
    }
  }

  /** Runs batches [b0, b0+nb) of `args` as one job. */
  private job(args: SgemmArgs, b0: number, nb: number, p: Plan, threaded: boolean, threads: number): void {
    const { m, n, k } = args;
    const nA = args.aBatchStride === 0 ? 1 : nb;
    const nB = args.bBatchStride === 0 ? 1 : nb;
    const ldc = p.pb * NR;
    const rawABytes = m * k * 4, rawBBytes = k * n * 4;
    const packABytes = p.pa * MR * k * 4, packBBytes = p.pb * NR * k * 4;
    const cBytes = p.pa * MR * ldc * 4;
    const rawA = align(CTL_ADDR + CTL_BYTES);
    const rawB = align(rawA + nA * rawABytes);
    const packA = align(rawB + nB * rawBBytes);
    const packB = align(packA + nA * packABytes);
    const cAddr = align(packB + nB * packBBytes);
    const end = cAddr + nb * cBytes;
    if (end > GEMM_WASM_MAX_PAGES * PAGE) throw new RangeError(`sgemm: product too large for the wasm memory (${end} bytes)`);
    this.reserve(end);
    const f32 = this.f32;

    // Copy the operands in (contiguous batches in one go).
    const copyIn = (src: Float32Array, off: number, stride: number, count: number, size: number, dst: number): void => {
      if (count === 1 || stride === size) {
        f32.set(src.subarray(off, off + (count - 1) * stride + size), dst / 4);
      } else {
        for (let t = 0; t < count; t++) f32.set(src.subarray(off + t * stride, off + t * stride + size), dst / 4 + t * size);
      }
    };
    copyIn(args.a, args.aOffset + b0 * args.aBatchStride, args.aBatchStride, nA, m * k, rawA);
    copyIn(args.b, args.bOffset + b0 * args.bBatchStride, args.bBatchStride, nB, k * n, rawB);

    // Describe the job.
    const chunkA = Math.max(1, threaded ? Math.ceil(PACK_TASK_FLOATS / (MR * k)) : p.pa);
    const chunkB = Math.max(1, threaded ? Math.ceil(PACK_TASK_FLOATS / (NR * k)) : p.pb);
    const tasksA = Math.ceil(p.pa / chunkA), tasksB = Math.ceil(p.pb / chunkB);
    const nPackA = nA * tasksA;
    const nPack = nPackA + nB * tasksB;
    const total = nPack + nb * p.tilesM * p.tilesN;
    const i32 = this.i32;
    const s = CTL_ADDR / 4;
    i32[s + Slot.NPACK] = nPack;
    i32[s + Slot.NPACK_A] = nPackA;
    i32[s + Slot.M] = m;
    i32[s + Slot.N] = n;
    i32[s + Slot.K] = k;
    i32[s + Slot.PANELS_A] = p.pa;
    i32[s + Slot.PANELS_B] = p.pb;
    i32[s + Slot.A_RAW] = rawA;
    i32[s + Slot.A_RS] = args.transA ? 1 : k;
    i32[s + Slot.A_CS] = args.transA ? m : 1;
    i32[s + Slot.A_RAW_STRIDE] = nA > 1 ? rawABytes : 0;
    i32[s + Slot.A_PACK] = packA;
    i32[s + Slot.A_PACK_STRIDE] = nA > 1 ? packABytes : 0;
    i32[s + Slot.B_RAW] = rawB;
    i32[s + Slot.B_RS] = args.transB ? 1 : n;
    i32[s + Slot.B_CS] = args.transB ? k : 1;
    i32[s + Slot.B_RAW_STRIDE] = nB > 1 ? rawBBytes : 0;
    i32[s + Slot.B_PACK] = packB;
    i32[s + Slot.B_PACK_STRIDE] = nB > 1 ? packBBytes : 0;
    i32[s + Slot.C_ADDR] = cAddr;
    i32[s + Slot.LDC] = ldc;
    i32[s + Slot.C_STRIDE] = cBytes;
    i32[s + Slot.TILE_PA] = p.tpa;
    i32[s + Slot.TILE_PB] = p.tpb;
    i32[s + Slot.TILES_M] = p.tilesM;
    i32[s + Slot.TILES_N] = p.tilesN;
    i32[s + Slot.KC] = p.kc;
    i32[s + Slot.A_CHUNK] = chunkA;
    i32[s + Slot.A_TASKS] = tasksA;
    i32[s + Slot.B_CHUNK] = chunkB;
    i32[s + Slot.B_TASKS] = tasksB;
    this.dispatch(JobKind.GEMM, total, threaded && threads > 1);

    // Copy C out (unpadding rows and columns).
    const c = args.c;
    for (let t = 0; t < nb; t++) {
      const src = (cAddr + t * cBytes) / 4;
      const dst = args.cOffset + (b0 + t) * m * n;
      if (ldc === n) {
        c.set(f32.subarray(src, src + m * n), dst);
      } else {
        for (let i = 0; i < m; i++) c.set(f32.subarray(src + i * ldc, src + i * ldc + n), dst + i * n);
      }
    }
  }
}
