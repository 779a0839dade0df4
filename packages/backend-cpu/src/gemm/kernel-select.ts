/**
 * Picks and compiles the best GEMM WebAssembly build the runtime accepts: relaxed SIMD
 * (fused multiply-add), else plain simd128, else none (the engine then computes in JS).
 */
import { GEMM_WASM_RELAXED_BASE64, GEMM_WASM_SIMD128_BASE64 } from './kernel-wasm.generated.js';
import { decodeBase64, enableRelaxedSimdFlag, isNode } from './runtime.js';
import { wasmApi, type WasmModule } from './wasm-api.js';

/** Code path of the GEMM engine. */
export type KernelKind = 'relaxed' | 'simd128' | 'js';

/** A chosen kernel: the compiled module for the wasm kinds. */
export interface SelectedKernel {
  readonly kind: KernelKind;
  readonly module?: WasmModule;
}

const cache = new Map<KernelKind, WasmModule | null>();

function compile(kind: 'relaxed' | 'simd128'): WasmModule | null {
  if (cache.has(kind)) return cache.get(kind) ?? null;
  const api = wasmApi();
  let module: WasmModule | null = null;
  if (api) {
    const bytes = decodeBase64(kind === 'relaxed' ? GEMM_WASM_RELAXED_BASE64 : GEMM_WASM_SIMD128_BASE64);
    let ok = api.validate(bytes);
    if (!ok && kind === 'relaxed' && isNode()) {
      enableRelaxedSimdFlag();
      ok = api.validate(bytes);
    }
    if (ok) {
      try {
        module = new api.Module(bytes);
      } catch {
        module = null;
      }
    }
  }
  cache.set(kind, module);
  return module;
}

/**
 * The best kernel available, or the one asked for (`prefer`) when it is available;
 * `prefer: 'simd128'` skips relaxed SIMD, `prefer: 'js'` skips WebAssembly.
 */
export function selectKernel(prefer?: KernelKind): SelectedKernel {
  if (prefer === 'js') return { kind: 'js' };
  if (prefer !== 'simd128') {
    const relaxed = compile('relaxed');
    if (relaxed) return { kind: 'relaxed', module: relaxed };
  }
  const simd = compile('simd128');
  if (simd) return { kind: 'simd128', module: simd };
  return { kind: 'js' };
}
