/**
 * Environment probing for the GEMM engine, kept free of static Node imports so that the
 * package still loads in a browser bundle: Node built-ins are reached through
 * `process.getBuiltinModule` (Node >= 20.16) when it exists.
 */

interface ProcessLike {
  versions?: { node?: string };
  getBuiltinModule?: (id: string) => unknown;
}

function nodeProcess(): ProcessLike | undefined {
  const p = (globalThis as { process?: ProcessLike }).process;
  return p?.versions?.node ? p : undefined;
}

/** True when running under Node.js (or a runtime that presents itself as Node). */
export function isNode(): boolean {
  return nodeProcess() !== undefined;
}

/** A Node built-in module, synchronously, or undefined (browser, or an older Node). */
export function nodeBuiltin<T>(id: string): T | undefined {
  const get = nodeProcess()?.getBuiltinModule;
  if (!get) return undefined;
  try {
    return get(id) as T | undefined;
  } catch {
    return undefined;
  }
}

/** Number of hardware threads worth using: os.availableParallelism(), or the browser's hint. */
export function hardwareThreads(): number {
  const os = nodeBuiltin<{ availableParallelism?: () => number; cpus: () => unknown[] }>('node:os');
  if (os) return Math.max(1, os.availableParallelism ? os.availableParallelism() : os.cpus().length);
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return Math.max(1, nav?.hardwareConcurrency ?? 1);
}

let relaxedFlagSet = false;

/**
 * Turns on V8's relaxed-SIMD support in Node 20 (`--experimental-wasm-relaxed-simd`). The
 * flag is process-wide (worker threads see it too) and must be set before compiling; Node
 * documents late flag setting as unsupported, so callers feature-detect with
 * `WebAssembly.validate` afterwards rather than trusting this call.
 */
export function enableRelaxedSimdFlag(): void {
  if (relaxedFlagSet) return;
  relaxedFlagSet = true;
  const v8 = nodeBuiltin<{ setFlagsFromString(flags: string): void }>('node:v8');
  try {
    v8?.setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    // Unknown flag on a newer V8 (relaxed SIMD shipped): validation decides.
  }
}

/** Decodes base64 without Buffer (works in browsers and Node >= 16). */
export function decodeBase64(text: string): Uint8Array {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
