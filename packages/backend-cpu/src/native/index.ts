/**
 * Optional native GEMM accelerator for Node: a Node-API addon (native/, C++ with AVX-512 /
 * AVX2+FMA / portable micro-kernels picked at run time, over a persistent thread pool).
 *
 * The addon is built by `node packages/backend-cpu/native/build.mjs` (not at install time);
 * when it is absent, fails to load, or `HEED_NATIVE=0` is set, {@link loadNativeGemm}
 * returns undefined and callers keep the WebAssembly engine. This module has no static Node
 * imports: in a browser it loads and reports "no native engine".
 *
 * Environment: HEED_NATIVE=0 disables the addon; HEED_NATIVE_KERNEL=avx512|avx2|scalar
 * forces a micro-kernel; HEED_NATIVE_THREADS=N sets the default thread count;
 * HEED_NATIVE_PATH=/path/to/heed_gemm.node loads another build. Without it, a source build
 * (native/build) wins over the binary shipped for the platform (native/prebuilt/linux-x64).
 */
import type { SgemmArgs } from '../gemm/types.js';

/** Micro-kernels of the addon, fastest first. */
export type NativeKernel = 'avx512' | 'avx2' | 'scalar';

/** Options of {@link loadNativeGemm}. */
export interface NativeGemmOptions {
  /** Threads to compute with, the calling thread included. Default: the CPUs this process may use. */
  threads?: number;
  /** Micro-kernel; default (or 'auto'): HEED_NATIVE_KERNEL, else the best this CPU runs. */
  kernel?: NativeKernel | 'auto';
}

/** Which code path a native engine runs. */
export interface NativeGemmInfo {
  /** 'avx512', 'avx2' or 'scalar'. */
  readonly kernel: string;
  /** Threads the engine computes with (the calling thread included). */
  readonly threads: number;
}

/** Sizes and arrays of a whole-sequence LSTM forward pass (row-major float32; see native/src/rnn.h). */
export interface LstmForwardArgs {
  T: number;
  B: number;
  I: number;
  H: number;
  /** [T, B, I], [I, 4H], [H, 4H], [4H], [B, H], [B, H]. */
  x: Float32Array;
  w: Float32Array;
  r: Float32Array;
  bias: Float32Array;
  h0: Float32Array;
  c0: Float32Array;
  /** Outputs: y [T, B, H], hLast / cLast [B, H], activated gates [T, B, 4H], cell states [T, B, H]. */
  y: Float32Array;
  hLast: Float32Array;
  cLast: Float32Array;
  gates: Float32Array;
  cs: Float32Array;
}

/** What the LSTM backward pass reads: the forward inputs, its saved states and the output gradients. */
export interface LstmSavedArrays {
  x: Float32Array;
  w: Float32Array;
  r: Float32Array;
  h0: Float32Array;
  c0: Float32Array;
  y: Float32Array;
  gates: Float32Array;
  cs: Float32Array;
  dy: Float32Array;
  dhLast: Float32Array;
  dcLast: Float32Array;
}

/** Inputs ({@link LstmSavedArrays} and the sizes) and gradient outputs of the LSTM backward pass. */
export interface LstmBackwardArgs extends LstmSavedArrays {
  T: number;
  B: number;
  I: number;
  H: number;
  dx: Float32Array;
  dh0: Float32Array;
  dc0: Float32Array;
  dw: Float32Array;
  dr: Float32Array;
  dbias: Float32Array;
}

/** A matrix packed by {@link NativeGemm.packB}: opaque panels in `data` from `offset` (64-byte aligned). */
export interface PackedMatrix {
  readonly data: Float32Array;
  readonly offset: number;
  readonly k: number;
  readonly n: number;
}

/** Same shape as GemmEngine: a synchronous batched sgemm. */
export interface NativeGemm {
  readonly info: NativeGemmInfo;
  /** Whole-sequence LSTM forward (one input GEMM, recurrent weights packed once, fused cell); undefined in an older addon build. */
  readonly lstmForward?: (args: LstmForwardArgs) => void;
  /** Backpropagation through time for {@link NativeGemm.lstmForward}; undefined in an older addon build. */
  readonly lstmBackward?: (args: LstmBackwardArgs) => void;
  /** In place, per row of `cols`: softmax(scale·x) for scale > 0; −∞ entries give 0, an all −∞ row zeros. */
  readonly softmaxRows?: (x: Float32Array, rows: number, cols: number, scale: number) => void;
  /** Layer norm of each row of `cols` into out (SIMD, one thread). */
  readonly layerNormRows?: (x: Float32Array, gamma: Float32Array, beta: Float32Array, out: Float32Array, rows: number, cols: number, eps: number) => void;
  /** out = GELU(x) (SIMD; Φ from Abramowitz & Stegun 7.1.26, |error| ≤ 1.5e-7, or the tanh form). */
  readonly gelu?: (x: Float32Array, out: Float32Array, approximate: 'none' | 'tanh') => void;
  /** Layer norm gradient over rows of `cols` (statistics recomputed): dx, and dγ, dβ summed over rows (in double). */
  readonly layerNormBackward?: (
    x: Float32Array, gamma: Float32Array, dy: Float32Array, dx: Float32Array, dgamma: Float32Array, dbeta: Float32Array, rows: number, cols: number, eps: number,
  ) => void;
  /** One Adam/AdamW step (double inside, as the JS kernel); the outputs may be the inputs (in place). */
  readonly adamStep?: (
    p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, out: [Float32Array, Float32Array, Float32Array],
    h: { lr: number; beta1: number; beta2: number; epsilon: number; c1: number; c2: number; weightDecay: number },
  ) => void;
  /**
   * Packs op(B) (k × n; B stored n × k when `trans`) once, for {@link NativeGemm.sgemmPacked}:
   * the panels the gemm would otherwise pack on every call (a weight used by many products).
   */
  readonly packB?: (b: Float32Array, k: number, n: number, trans: boolean) => PackedMatrix;
  /** c (m × n) = a (m × k) · B (+ bias on every row) for a B packed by {@link NativeGemm.packB}. */
  readonly sgemmPacked?: (m: number, a: Float32Array, b: PackedMatrix, c: Float32Array, bias?: Float32Array) => void;
  /** out[j] = Σ_r x[r, j] over `rows` rows of `cols` (double accumulators): bias gradients. */
  readonly sumRows?: (x: Float32Array, out: Float32Array, rows: number, cols: number) => void;
  /** out[b] = x[b]ᵀ for `batch` row-major rows × cols matrices. */
  readonly transpose2d?: (x: Float32Array, out: Float32Array, batch: number, rows: number, cols: number) => void;
  /** out = dy · GELU'(x) (SIMD; erf from Abramowitz & Stegun 7.1.26, |error| ≤ 1.5e-7). */
  readonly geluBackward?: (x: Float32Array, dy: Float32Array, out: Float32Array, approximate: 'none' | 'tanh') => void;
  /** Resolved at once (the addon needs no asynchronous start); for parity with GemmEngine. */
  ready(): Promise<void>;
  /**
   * C[b] = op(A[b]) · op(B[b]) (+ `bias` on every row when given: the fused epilogue), see
   * {@link SgemmArgs}. Synchronous; throws RangeError/TypeError on bad arguments.
   */
  sgemm(args: SgemmArgs): void;
  /** Releases the engine; the addon's threads stop when the last engine is disposed. */
  dispose(): void;
}

/** The addon's exports (native/src/binding.cc). */
interface Addon {
  sgemm(
    batch: number, m: number, n: number, k: number,
    a: Float32Array, aOffset: number, aBatchStride: number,
    b: Float32Array, bOffset: number, bBatchStride: number,
    transA: boolean, transB: boolean, c: Float32Array, cOffset: number,
    kernel?: string, threads?: number, bias?: Float32Array,
  ): void;
  lstmForward?(T: number, B: number, I: number, H: number, ...rest: (Float32Array | string | number)[]): void;
  softmaxRows?(x: Float32Array, rows: number, cols: number, scale: number): void;
  geluBackward?(x: Float32Array, dy: Float32Array, out: Float32Array, tanhForm: boolean): void;
  layerNormRows?(x: Float32Array, gamma: Float32Array, beta: Float32Array, out: Float32Array, rows: number, cols: number, eps: number): void;
  gelu?(x: Float32Array, out: Float32Array, tanhForm: boolean): void;
  adamStep?(...args: (Float32Array | number)[]): void;
  transpose2d?(x: Float32Array, out: Float32Array, batch: number, rows: number, cols: number): void;
  sumRows?(x: Float32Array, out: Float32Array, rows: number, cols: number): void;
  packB?(b: Float32Array, k: number, n: number, trans: boolean, out: Float32Array, kernel: string): number;
  packedBSize?(k: number, n: number, kernel: string): number;
  sgemmPacked?(m: number, a: Float32Array, packed: Float32Array, offset: number, k: number, n: number, c: Float32Array, bias: Float32Array | undefined, kernel: string, threads: number): void;
  layerNormBackward?(x: Float32Array, g: Float32Array, dy: Float32Array, dx: Float32Array, dg: Float32Array, db: Float32Array, rows: number, cols: number, eps: number): void;
  lstmBackward?(T: number, B: number, I: number, H: number, ...rest: (Float32Array | string | number)[]): void;
  kernels(): string[];
  hardwareThreads(): number;
  shutdown(): void;
}

interface ProcessLike {
  versions?: { node?: string };
  env?: Record<string, string | undefined>;
  getBuiltinModule?: (id: string) => unknown;
}

function nodeProcess(): ProcessLike | undefined {
  const p = (globalThis as { process?: ProcessLike }).process;
  return p?.versions?.node && typeof p.getBuiltinModule === 'function' ? p : undefined;
}

const env = (name: string): string | undefined => nodeProcess()?.env?.[name];

/**
 * Where the addon is looked for, in order: HEED_NATIVE_PATH; native/build/heed_gemm.node of
 * this package (built from source by native/build.mjs); the binary shipped in the package,
 * native/prebuilt/<platform>-<arch>/heed_gemm.node (linux-x64).
 */
export function nativeGemmPaths(): string[] {
  const override = env('HEED_NATIVE_PATH');
  if (override) return [override];
  const url = nodeProcess()?.getBuiltinModule?.('node:url') as { fileURLToPath(u: string | URL): string } | undefined;
  const proc = nodeProcess() as (ProcessLike & { platform?: string; arch?: string }) | undefined;
  if (!url || !proc) return [];
  // src/native/index.ts and dist/native/index.js are both two levels below the package root.
  // (The relative paths are joined at run time so that bundlers do not treat them as assets.)
  const at = (...parts: string[]): string => url.fileURLToPath(new URL(['..', '..', 'native', ...parts].join('/'), import.meta.url));
  return [at('build', 'heed_gemm.node'), at('prebuilt', `${proc.platform}-${proc.arch}`, 'heed_gemm.node')];
}

/** The first of {@link nativeGemmPaths} that exists (undefined outside Node or when none does). */
export function nativeGemmPath(): string | undefined {
  const paths = nativeGemmPaths();
  const fs = nodeProcess()?.getBuiltinModule?.('node:fs') as { existsSync(p: string): boolean } | undefined;
  return fs ? paths.find((p) => fs.existsSync(p)) : paths[0];
}

let addon: Addon | null | undefined; // null: tried and failed
let loadedFrom: string | undefined;
let loadError: unknown;

function loadAddon(): Addon | undefined {
  if (addon !== undefined) return addon ?? undefined;
  addon = null;
  const proc = nodeProcess();
  const fs = proc?.getBuiltinModule?.('node:fs') as { existsSync(p: string): boolean } | undefined;
  const mod = proc?.getBuiltinModule?.('node:module') as { createRequire(from: string): (id: string) => unknown } | undefined;
  if (!proc || !fs || !mod) return undefined;
  // The first candidate that exists and loads (a stale source build falls through to the shipped binary).
  for (const path of nativeGemmPaths().filter((p) => fs.existsSync(p))) {
    try {
      const loaded = mod.createRequire(import.meta.url)(path) as Addon;
      if (typeof loaded?.sgemm !== 'function' || typeof loaded.kernels !== 'function') continue;
      addon = loaded;
      loadedFrom = path;
      break;
    } catch (err) {
      loadError = err; // a stale or foreign binary (e.g. an older libstdc++): try the next, else fall back
    }
  }
  return addon ?? undefined;
}

/** The file the addon was loaded from, once loaded. */
export function nativeGemmLoadedFrom(): string | undefined {
  loadAddon();
  return loadedFrom;
}

/** Why the addon did not load (for diagnostics), if it failed with an error. */
export function nativeGemmLoadError(): unknown {
  return loadError;
}

/** The micro-kernels the addon can run on this CPU, best first; [] without the addon or with HEED_NATIVE=0. */
export function nativeKernels(): NativeKernel[] {
  if (env('HEED_NATIVE') === '0') return [];
  return (loadAddon()?.kernels() ?? []) as NativeKernel[];
}

let live = 0;

class NativeGemmImpl implements NativeGemm {
  readonly info: NativeGemmInfo;
  private disposed = false;

  readonly lstmForward?: (args: LstmForwardArgs) => void;
  readonly lstmBackward?: (args: LstmBackwardArgs) => void;
  readonly softmaxRows?: (x: Float32Array, rows: number, cols: number, scale: number) => void;
  readonly geluBackward?: (x: Float32Array, dy: Float32Array, out: Float32Array, approximate: 'none' | 'tanh') => void;
  readonly layerNormRows?: (x: Float32Array, gamma: Float32Array, beta: Float32Array, out: Float32Array, rows: number, cols: number, eps: number) => void;
  readonly gelu?: (x: Float32Array, out: Float32Array, approximate: 'none' | 'tanh') => void;
  readonly layerNormBackward?: NativeGemm['layerNormBackward'];
  readonly adamStep?: NativeGemm['adamStep'];
  readonly transpose2d?: NativeGemm['transpose2d'];
  readonly sumRows?: NativeGemm['sumRows'];
  readonly packB?: NativeGemm['packB'];
  readonly sgemmPacked?: NativeGemm['sgemmPacked'];

  constructor(private readonly lib: Addon, kernel: NativeKernel, threads: number) {
    this.info = { kernel, threads };
    live++;
    const softmax = lib.softmaxRows;
    const geluBack = lib.geluBackward;
    if (softmax) this.softmaxRows = (x, rows, cols, scale) => softmax.call(lib, x, rows, cols, scale);
    if (geluBack) this.geluBackward = (x, dy, out, approximate) => geluBack.call(lib, x, dy, out, approximate === 'tanh');
    const ln = lib.layerNormRows;
    const gelu = lib.gelu;
    if (ln) this.layerNormRows = (x, g, b, out, rows, cols, eps) => ln.call(lib, x, g, b, out, rows, cols, eps);
    if (gelu) this.gelu = (x, out, approximate) => gelu.call(lib, x, out, approximate === 'tanh');
    const lnBack = lib.layerNormBackward;
    if (lnBack) this.layerNormBackward = (x, g, dy, dx, dg, db, rows, cols, eps) => lnBack.call(lib, x, g, dy, dx, dg, db, rows, cols, eps);
    const adam = lib.adamStep;
    const tr = lib.transpose2d;
    if (adam) this.adamStep = (p, g, m, v, out, h) => adam.call(lib, p, g, m, v, ...out, h.lr, h.beta1, h.beta2, h.epsilon, h.c1, h.c2, h.weightDecay);
    if (tr) this.transpose2d = (x, out, batch, rows, cols) => tr.call(lib, x, out, batch, rows, cols);
    const sumRows = lib.sumRows;
    if (sumRows) this.sumRows = (x, out, rows, cols) => sumRows.call(lib, x, out, rows, cols);
    const pack = lib.packB;
    const size = lib.packedBSize;
    const mulPacked = lib.sgemmPacked;
    if (pack && size && mulPacked) {
      this.packB = (b, k, n, trans) => {
        this.check();
        const data = new Float32Array(size.call(lib, k, n, kernel) + 16);
        return { data, offset: pack.call(lib, b, k, n, trans, data, kernel), k, n };
      };
      this.sgemmPacked = (m, a, b, c, bias) => {
        this.check();
        mulPacked.call(lib, m, a, b.data, b.offset, b.k, b.n, c, bias, kernel, threads);
      };
    }
    const fwd = lib.lstmForward;
    const bwd = lib.lstmBackward;
    if (fwd && bwd) {
      this.lstmForward = (a) => {
        this.check();
        fwd.call(lib, a.T, a.B, a.I, a.H, a.x, a.w, a.r, a.bias, a.h0, a.c0, a.y, a.hLast, a.cLast, a.gates, a.cs, kernel, threads);
      };
      this.lstmBackward = (a) => {
        this.check();
        bwd.call(lib, a.T, a.B, a.I, a.H, a.x, a.w, a.r, a.h0, a.c0, a.y, a.gates, a.cs, a.dy, a.dhLast, a.dcLast,
          a.dx, a.dh0, a.dc0, a.dw, a.dr, a.dbias, kernel, threads);
      };
    }
  }

  private check(): void {
    if (this.disposed) throw new Error('NativeGemm: used after dispose()');
  }

  ready(): Promise<void> {
    return Promise.resolve();
  }

  sgemm(x: SgemmArgs): void {
    this.check();
    this.lib.sgemm(
      x.batch, x.m, x.n, x.k,
      x.a, x.aOffset, x.aBatchStride,
      x.b, x.bOffset, x.bBatchStride,
      x.transA, x.transB, x.c, x.cOffset,
      this.info.kernel, this.info.threads, x.bias,
    );
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (--live === 0) this.lib.shutdown();
  }
}

/**
 * A native sgemm engine, or undefined when there is none: not Node, the addon not built or
 * not loadable, HEED_NATIVE=0, or the requested kernel not supported by this CPU.
 */
export function loadNativeGemm(options: NativeGemmOptions = {}): NativeGemm | undefined {
  if (env('HEED_NATIVE') === '0') return undefined;
  const lib = loadAddon();
  if (!lib) return undefined;
  const supported = lib.kernels() as NativeKernel[];
  let kernel = options.kernel && options.kernel !== 'auto' ? options.kernel : (env('HEED_NATIVE_KERNEL') as NativeKernel | undefined);
  if (!kernel || (kernel as string) === 'auto') kernel = supported[0];
  if (!kernel || !supported.includes(kernel)) return undefined;
  const envThreads = Number(env('HEED_NATIVE_THREADS'));
  let threads = options.threads ?? (Number.isInteger(envThreads) && envThreads > 0 ? envThreads : lib.hardwareThreads());
  threads = Math.max(1, Math.min(256, Math.floor(threads)));
  return new NativeGemmImpl(lib, kernel, threads);
}
