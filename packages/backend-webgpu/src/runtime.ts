import { BackendError } from '@heed/core';
import { BufferPool, USAGE } from './buffer-pool.js';
import type { GpuContext } from './device.js';

/** Usage of storage buffers holding tensors. */
export const STORAGE_USAGE = USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST;
const PARAM_USAGE = USAGE.STORAGE | USAGE.COPY_DST;
const READ_USAGE = USAGE.MAP_READ | USAGE.COPY_DST;
/** Dispatches between error-scope checks when nobody reads. */
const SCOPE_SPAN = 256;

/**
 * The device plumbing under the backend: buffer pool, pipeline cache, dispatch with
 * parameters, error scopes and readback. Every kernel call becomes one submit, so a
 * buffer returned to the pool can be reused at once (queue order protects it).
 *
 * Errors: validation and out-of-memory errors do not throw in WebGPU. The runtime opens
 * one pair of error scopes lazily at the first dispatch and closes it every
 * ${SCOPE_SPAN} dispatches and at every `read`; an error found there is raised as a
 * BackendError from that `read` (or from the next kernel call, once the scope's promise
 * has settled), naming the kernel labels of the span.
 */
export class GpuRuntime {
  readonly device: GPUDevice;
  readonly pool: BufferPool;
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private scopeOpen = false;
  private inScope = 0;
  private scopeLabels = new Set<string>();
  private pendingScopes: Promise<void>[] = [];
  private error: BackendError | undefined;
  private lost: string | undefined;
  /** Kernel dispatches so far (for tests and profiling). */
  dispatches = 0;

  constructor(readonly ctx: GpuContext) {
    this.device = ctx.device;
    this.pool = new BufferPool(this.device);
    void this.device.lost.then((info) => {
      this.lost = `${info.reason}: ${info.message}`;
    });
  }

  /** Pipelines compiled so far. */
  get pipelineCount(): number {
    return this.pipelines.size;
  }

  /** The compute pipeline for `key`, compiling `code()` the first time (one per shader and shape class). */
  pipeline(key: string, code: () => string): GPUComputePipeline {
    let p = this.pipelines.get(key);
    if (!p) {
      this.openScope(key);
      const module = this.device.createShaderModule({ code: code(), label: key });
      p = this.device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' }, label: key });
      this.pipelines.set(key, p);
    }
    return p;
  }

  /** A storage buffer of at least `bytes` from the pool. */
  alloc(bytes: number): GPUBuffer {
    this.throwIfFailed();
    return this.pool.acquire(bytes, STORAGE_USAGE);
  }

  /** Returns a buffer to the pool. */
  free(buffer: GPUBuffer): void {
    this.pool.release(buffer);
  }

  /** Uploads host words into `buffer`. */
  upload(buffer: GPUBuffer, data: ArrayBufferView): void {
    if (data.byteLength > 0) this.device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
  }

  /**
   * Runs one kernel: binds `buffers` at bindings 0…n-1 and `params` (u32 words, if any)
   * at binding n, dispatches `groups` workgroups and submits.
   */
  dispatch(label: string, pipeline: GPUComputePipeline, buffers: readonly GPUBuffer[], params: Uint32Array | undefined, groups: readonly [number, number, number]): void {
    this.throwIfFailed();
    this.openScope(label);
    let paramBuf: GPUBuffer | undefined;
    const entries: GPUBindGroupEntry[] = buffers.map((buffer, binding) => ({ binding, resource: { buffer } }));
    if (params && params.length > 0) {
      paramBuf = this.pool.acquire(params.byteLength, PARAM_USAGE);
      this.device.queue.writeBuffer(paramBuf, 0, params.buffer, params.byteOffset, params.byteLength);
      entries.push({ binding: buffers.length, resource: { buffer: paramBuf } });
    }
    const bindGroup = this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
    const encoder = this.device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(groups[0], groups[1], groups[2]);
    pass.end();
    this.device.queue.submit([encoder.finish()]);
    if (paramBuf) this.pool.release(paramBuf);
    this.dispatches++;
    if (++this.inScope >= SCOPE_SPAN) this.closeScope();
  }

  /** Copies `bytes` from one buffer to another on the queue. */
  copy(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, bytes: number): void {
    if (bytes === 0) return;
    this.openScope('copy');
    const encoder = this.device.createCommandEncoder();
    encoder.copyBufferToBuffer(src, srcOffset, dst, dstOffset, bytes);
    this.device.queue.submit([encoder.finish()]);
  }

  /** Reads `bytes` of `buffer` back to the host: the only readback in the backend. */
  async read(buffer: GPUBuffer, bytes: number): Promise<ArrayBuffer> {
    this.throwIfFailed();
    if (bytes === 0) {
      await this.checkErrors();
      return new ArrayBuffer(0);
    }
    const staging = this.pool.acquire(bytes, READ_USAGE);
    const encoder = this.device.createCommandEncoder();
    encoder.copyBufferToBuffer(buffer, 0, staging, 0, bytes);
    this.device.queue.submit([encoder.finish()]);
    const errors = this.checkErrors();
    errors.catch(() => undefined); // awaited below; keeps it from counting as unhandled meanwhile
    try {
      await staging.mapAsync(1 /* GPUMapMode.READ */, 0, bytes);
    } catch (e) {
      await errors;
      throw new BackendError(`webgpu: reading a buffer back failed: ${(e as Error).message}`);
    }
    const out = staging.getMappedRange(0, bytes).slice(0);
    staging.unmap();
    this.pool.release(staging);
    await errors;
    return out;
  }

  /** Closes the open error scope and waits for every pending one; throws the first error found. */
  async checkErrors(): Promise<void> {
    this.closeScope();
    const pending = this.pendingScopes;
    this.pendingScopes = [];
    await Promise.all(pending);
    this.throwIfFailed();
  }

  private openScope(label: string): void {
    this.scopeLabels.add(label);
    if (this.scopeOpen) return;
    this.device.pushErrorScope('out-of-memory');
    this.device.pushErrorScope('validation');
    this.scopeOpen = true;
  }

  private closeScope(): void {
    if (!this.scopeOpen) return;
    this.scopeOpen = false;
    this.inScope = 0;
    const labels = [...this.scopeLabels].slice(0, 12).join(', ');
    this.scopeLabels = new Set();
    const validation = this.device.popErrorScope();
    const oom = this.device.popErrorScope();
    this.pendingScopes.push(
      Promise.all([validation, oom]).then(([v, o]) => {
        const err = v ?? o;
        if (err && !this.error) this.error = new BackendError(`webgpu: ${v ? 'validation' : 'out-of-memory'} error in kernels [${labels}]: ${err.message}`);
      }),
    );
  }

  private throwIfFailed(): void {
    if (this.lost) throw new BackendError(`webgpu: the device was lost (${this.lost})`);
    if (this.error) {
      const e = this.error;
      this.error = undefined;
      throw e;
    }
  }

  /** Destroys the pool and the device. */
  destroy(): void {
    this.closeScope();
    this.pool.destroy();
    this.pipelines.clear();
    this.device.destroy();
  }
}
