import { BackendError } from '@heed/core';
import { BufferPool, USAGE } from './buffer-pool.js';
import type { GpuContext } from './device.js';

/** Usage of storage buffers holding tensors. */
export const STORAGE_USAGE = USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST;
const PARAM_USAGE = USAGE.STORAGE | USAGE.COPY_DST;
const READ_USAGE = USAGE.MAP_READ | USAGE.COPY_DST;
/** Dispatches between error-scope checks when nobody reads. */
const SCOPE_SPAN = 256;
/** Dispatches per submitted command buffer at most. */
const BATCH = 64;

/**
 * The device plumbing under the backend: buffer pool, pipeline cache, dispatch with
 * parameters, error scopes and readback.
 *
 * Batching: kernels are encoded into one command encoder (consecutive dispatches in one
 * compute pass; each dispatch is its own usage scope, so they stay ordered) and
 * submitted together at the end of the current synchronous run of kernel calls (a
 * microtask), every BATCH (64) dispatches, and before any upload or readback. A buffer
 * returned to the pool can be reused at once: commands in one encoder run in order, and
 * `upload` (a queue write, which would run before the pending commands) flushes first.
 * Parameter buffers of a batch go back to the pool after its submit.
 *
 * Errors: validation and out-of-memory errors do not throw in WebGPU. The runtime opens
 * one pair of error scopes lazily at the first dispatch and closes it every
 * SCOPE_SPAN (256) dispatches and at every `read`; an error found there is raised as a
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
  private encoder: GPUCommandEncoder | undefined;
  private pass: GPUComputePassEncoder | undefined;
  private readonly bindGroups = new Map<string, GPUBindGroup>();
  private readonly layouts = new WeakMap<GPUComputePipeline, GPUBindGroupLayout>();
  private readonly ids = new WeakMap<object, number>();
  private nextId = 1;
  private batchParams: GPUBuffer[] = [];
  private batched = 0;
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
    if (data.byteLength === 0) return;
    this.flush();
    this.device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
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
    const bindGroup = this.bindGroup(pipeline, entries);
    const pass = this.computePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(groups[0], groups[1], groups[2]);
    if (paramBuf) this.batchParams.push(paramBuf);
    this.dispatches++;
    if (++this.batched >= BATCH) this.flush();
    if (++this.inScope >= SCOPE_SPAN) this.closeScope();
  }

  /**
   * Bind groups cached by pipeline and buffers: pooled buffers come back in the same order
   * when a training step repeats, so most steps reuse their bind groups (creating one costs
   * more than encoding the dispatch). Buffer ids are never reused, so a hit is always valid.
   */
  private bindGroup(pipeline: GPUComputePipeline, entries: GPUBindGroupEntry[]): GPUBindGroup {
    let key = `${this.idOf(pipeline)}`;
    for (const e of entries) key += `,${this.idOf((e.resource as GPUBufferBinding).buffer)}`;
    let bg = this.bindGroups.get(key);
    if (!bg) {
      let layout = this.layouts.get(pipeline);
      if (!layout) this.layouts.set(pipeline, (layout = pipeline.getBindGroupLayout(0)));
      bg = this.device.createBindGroup({ layout, entries });
      if (this.bindGroups.size >= 4096) this.bindGroups.clear();
      this.bindGroups.set(key, bg);
    }
    return bg;
  }

  private idOf(o: object): number {
    let id = this.ids.get(o);
    if (id === undefined) this.ids.set(o, (id = this.nextId++));
    return id;
  }

  /** The open compute pass of the pending encoder: consecutive dispatches share one pass. */
  private computePass(): GPUComputePassEncoder {
    if (!this.pass) this.pass = this.commands().beginComputePass();
    return this.pass;
  }

  private endPass(): void {
    this.pass?.end();
    this.pass = undefined;
  }

  /** The pending command encoder (a flush is scheduled when it is created). */
  private commands(): GPUCommandEncoder {
    if (!this.encoder) {
      this.encoder = this.device.createCommandEncoder();
      queueMicrotask(() => this.flush());
    }
    return this.encoder;
  }

  /** Submits the pending commands, if any. */
  flush(): void {
    const encoder = this.encoder;
    if (!encoder) return;
    this.endPass();
    this.encoder = undefined;
    this.batched = 0;
    this.device.queue.submit([encoder.finish()]);
    for (const p of this.batchParams) this.pool.release(p);
    this.batchParams = [];
  }

  /** Copies `bytes` from one buffer to another on the queue. */
  copy(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, bytes: number): void {
    if (bytes === 0) return;
    this.openScope('copy');
    this.endPass();
    this.commands().copyBufferToBuffer(src, srcOffset, dst, dstOffset, bytes);
    if (++this.batched >= BATCH) this.flush();
  }

  /** Reads `bytes` of `buffer` back to the host: the only readback in the backend. */
  async read(buffer: GPUBuffer, bytes: number): Promise<ArrayBuffer> {
    this.throwIfFailed();
    if (bytes === 0) {
      await this.checkErrors();
      return new ArrayBuffer(0);
    }
    const staging = this.pool.acquire(bytes, READ_USAGE);
    this.endPass();
    this.commands().copyBufferToBuffer(buffer, 0, staging, 0, bytes);
    this.flush();
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
    this.flush();
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
    this.flush();
    this.closeScope();
    this.pool.destroy();
    this.pipelines.clear();
    this.bindGroups.clear();
    this.device.destroy();
  }
}
