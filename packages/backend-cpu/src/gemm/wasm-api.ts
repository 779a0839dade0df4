/**
 * The small part of the WebAssembly JS API that the GEMM engine uses, typed locally: the
 * repository compiles against `lib: ES2023` + Node types, which do not declare the
 * `WebAssembly` global.
 */

/** A compiled module (structured-cloneable to workers). */
export interface WasmModule {
  readonly __wasmModule?: never;
}

/** A (shared) linear memory. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(deltaPages: number): number;
}

/** The exports of the GEMM module (see asm/index.ts). */
export interface GemmExports {
  runTasks(ctl: number, gen: number, isWorker: number): void;
  workerLoop(ctl: number): void;
  gemmTile(aPack: number, bPack: number, c: number, ldc: number, k: number, p0: number, p1: number, q0: number, q1: number, kc: number): void;
  packA(src: number, rs: number, cs: number, m: number, k: number, dst: number, p0: number, p1: number): void;
  packB(src: number, rs: number, cs: number, k: number, n: number, dst: number, q0: number, q1: number): void;
  initConstants(): void;
  rowOp(op: number, x: number, y: number, r0: number, r1: number, cols: number, count: number, gamma: number, beta: number, eps: number): void;
}

/** The `WebAssembly` namespace, as far as it is used here. */
export interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => { exports: unknown };
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
}

/** The global `WebAssembly`, or undefined where the runtime has none. */
export function wasmApi(): WasmApi | undefined {
  return (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
}
