/**
 * The worker-thread pool, Node only (node:worker_threads reached without a static import).
 * Workers run the worker source below from a string (`eval: true`), so the pool works the
 * same from TypeScript sources (vitest, tsx) and from compiled dist. Each one instantiates
 * the posted module over the shared memory and then lives inside the module's `workerLoop`,
 * sleeping on the control block's generation slot (memory.atomic.wait32) between jobs.
 * Workers are unref()'d: they never keep a process alive.
 */
import { nodeBuiltin } from './runtime.js';
import type { WasmMemory, WasmModule } from './wasm-api.js';

const WORKER_SOURCE = `
'use strict';
const { workerData, parentPort } = require('node:worker_threads');
const { module, memory, ctl } = workerData;
const instance = new WebAssembly.Instance(module, { env: { memory } });
parentPort.postMessage('ready');
instance.exports.workerLoop(ctl);
`;

interface NodeWorker {
  on(event: 'error', listener: (value: unknown) => void): void;
  once(event: 'message' | 'exit', listener: (value: unknown) => void): void;
  unref(): void;
  terminate(): Promise<number>;
}

interface WorkerThreadsModule {
  Worker: new (source: string, options: { eval: true; workerData: unknown }) => NodeWorker;
  isMainThread: boolean;
}

/** A started pool of worker threads sharing one memory. */
export class WorkerPool {
  /** Workers that have instantiated the module and entered their loop. */
  readyCount = 0;
  /** Resolves once every worker is ready (or has failed). */
  readonly ready: Promise<void>;
  private readonly workers: NodeWorker[] = [];

  private constructor(wt: WorkerThreadsModule, module: WasmModule, memory: WasmMemory, ctl: number, count: number) {
    const settled: Promise<void>[] = [];
    for (let i = 0; i < count; i++) {
      const worker = new wt.Worker(WORKER_SOURCE, { eval: true, workerData: { module, memory, ctl } });
      worker.unref();
      settled.push(
        new Promise<void>((resolve) => {
          // `once`: a lasting 'message' listener would ref the worker's port and keep the
          // process alive. 'error' must stay handled (an unhandled one would throw).
          worker.once('message', () => {
            this.readyCount++;
            resolve();
          });
          worker.on('error', () => resolve());
          worker.once('exit', () => resolve());
        }),
      );
      this.workers.push(worker);
    }
    this.ready = Promise.all(settled).then(() => undefined);
  }

  /** Starts `count` workers, or returns undefined where worker_threads is unavailable. */
  static start(module: WasmModule, memory: WasmMemory, ctl: number, count: number): WorkerPool | undefined {
    const wt = nodeBuiltin<WorkerThreadsModule>('node:worker_threads');
    if (!wt || count < 1) return undefined;
    try {
      return new WorkerPool(wt, module, memory, ctl, count);
    } catch {
      return undefined;
    }
  }

  /** Terminates the workers (they have been told to quit through the control block). */
  dispose(): void {
    for (const w of this.workers) void w.terminate().catch(() => undefined);
    this.workers.length = 0;
  }
}

/** True where a worker pool can be used with a blocking main thread (Node). */
export function threadsSupported(): boolean {
  return nodeBuiltin<WorkerThreadsModule>('node:worker_threads') !== undefined && typeof Atomics.wait === 'function';
}
