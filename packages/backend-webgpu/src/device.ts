import { BackendError } from '@heed/core';

/** A WebGPU device together with what the backend needs to know about its adapter. */
export interface GpuContext {
  readonly device: GPUDevice;
  /** Adapter description (vendor, architecture, device), lower-cased and joined, for kernel choice and reports. */
  readonly adapterDescription: string;
  /**
   * True for CPU-emulated adapters (Mesa lavapipe/llvmpipe, SwiftShader). On those,
   * workgroup shared memory is plain memory plus barriers that cost real time, so
   * register-blocked kernels win; on real GPUs shared-memory tiling wins.
   */
  readonly software: boolean;
  /**
   * True when the device was opened with the `subgroups` feature and the adapter's
   * subgroups are at most 64 wide (row kernels then reduce with subgroup operations
   * inside their 64-invocation workgroups; see kernels/fused.ts).
   */
  readonly subgroups: boolean;
  /**
   * Whatever must stay referenced while the device lives. In Node, the GPU object
   * returned by the `webgpu` package's `create()`: when it is garbage-collected the
   * process crashes, so the backend holds it until `dispose()`.
   */
  readonly keepAlive: unknown;
}

/** Where a device comes from: `navigator.gpu` in browsers, the `webgpu` package (Dawn) in Node. */
export interface GpuProvider {
  /** A short name for error messages ("navigator.gpu", "webgpu (Dawn)"). */
  readonly name: string;
  /** Returns the GPU entry point, or undefined when this environment has none. */
  gpu(): Promise<{ gpu: GPU; keepAlive: unknown } | undefined>;
}

/** `navigator.gpu`, present in browsers with WebGPU enabled (and Deno). */
export const navigatorProvider: GpuProvider = {
  name: 'navigator.gpu',
  async gpu() {
    const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
    return nav?.gpu ? { gpu: nav.gpu, keepAlive: nav.gpu } : undefined;
  },
};

/**
 * Node: the `webgpu` npm package (Dawn; on machines without a GPU it runs on Mesa's
 * lavapipe Vulkan driver, which must be Mesa ≥ 25). The specifier is a variable so that
 * browser bundlers leave it alone.
 */
export const dawnProvider: GpuProvider = {
  name: 'webgpu (Dawn)',
  async gpu() {
    const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';
    if (!isNode) return undefined;
    const specifier = 'webgpu';
    let mod: { create(options: string[]): GPU };
    try {
      mod = (await import(/* @vite-ignore */ specifier)) as { create(options: string[]): GPU };
    } catch (e) {
      throw new BackendError(`webgpu: the "webgpu" package (Dawn for Node) could not be loaded: ${(e as Error).message}`);
    }
    const gpu = mod.create([]);
    return { gpu, keepAlive: gpu };
  },
};

/** Options for opening a device. */
export interface DeviceOptions {
  /** Providers tried in order (default: navigator.gpu, then Dawn in Node). */
  readonly providers?: readonly GpuProvider[];
  /** Adapter power preference. */
  readonly powerPreference?: GPUPowerPreference;
  /** Request the `subgroups` feature when the adapter has it (default true; false keeps the shared-memory reductions). */
  readonly subgroups?: boolean;
}

const SOFTWARE = /llvmpipe|lavapipe|swiftshader|software|cpu/;

/**
 * Opens a device from the first provider that has an adapter; throws a BackendError that
 * says what was tried when none has, so that `createHeed` falls back to the next backend.
 */
export async function openDevice(options: DeviceOptions = {}): Promise<GpuContext> {
  const providers = options.providers ?? [navigatorProvider, dawnProvider];
  const tried: string[] = [];
  for (const p of providers) {
    let entry: { gpu: GPU; keepAlive: unknown } | undefined;
    try {
      entry = await p.gpu();
    } catch (e) {
      tried.push(`${p.name}: ${(e as Error).message}`);
      continue;
    }
    if (!entry) {
      tried.push(`${p.name}: not available here`);
      continue;
    }
    const adapter = await entry.gpu.requestAdapter(options.powerPreference ? { powerPreference: options.powerPreference } : undefined);
    if (!adapter) {
      tried.push(`${p.name}: requestAdapter() returned null (no WebGPU adapter; on Linux without a GPU, Mesa ≥ 25 lavapipe is needed, see scripts/webgpu-env.mjs)`);
      continue;
    }
    const info = adapter.info;
    const adapterDescription = [info?.vendor, info?.architecture, info?.device, info?.description]
      .filter((s): s is string => typeof s === 'string' && s.length > 0)
      .join(' ')
      .toLowerCase();
    const limits = adapter.limits;
    // Subgroup reductions assume a 64-invocation workgroup is made of whole subgroups.
    const maxSubgroup = (info as { subgroupMaxSize?: number } | undefined)?.subgroupMaxSize ?? 0;
    const subgroups = options.subgroups !== false && adapter.features.has('subgroups') && maxSubgroup > 0 && maxSubgroup <= 64;
    const device = await adapter.requestDevice({
      ...(subgroups ? { requiredFeatures: ['subgroups' as GPUFeatureName] } : {}),
      requiredLimits: {
        maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
        maxBufferSize: limits.maxBufferSize,
        maxStorageBuffersPerShaderStage: Math.min(limits.maxStorageBuffersPerShaderStage, 10),
      },
    });
    const software = SOFTWARE.test(adapterDescription) || (info as { isFallbackAdapter?: boolean } | undefined)?.isFallbackAdapter === true;
    return { device, adapterDescription, software, subgroups: subgroups && device.features.has('subgroups'), keepAlive: entry.keepAlive };
  }
  throw new BackendError(`webgpu: no WebGPU adapter found (${tried.join('; ')})`);
}
