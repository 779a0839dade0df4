import type { Backend, DataId, TensorInfo } from './backend.js';
import { bytesPerElement, type DType, type TypedArray } from './dtype.js';
import { BackendError, ArgumentError } from './errors.js';
import { sizeOf, type Shape } from './shape.js';
import { Tensor, Variable } from './tensor.js';
import { Tape, type TapeNode, type BackwardFn } from './tape.js';

/** Live memory as seen by the engine, for leak tests. */
export interface MemoryInfo {
  /** Live tensors (variables included). */
  readonly numTensors: number;
  /** Live storage buffers (views share one). */
  readonly numDataBuffers: number;
  /** Bytes in live storage buffers. */
  readonly numBytes: number;
  /** What the backend itself reports. */
  readonly backend: { readonly buffers: number; readonly bytes: number };
}

/** Specification of one op run through the engine. */
export interface OpSpec {
  /** Op name, for errors and debugging. */
  readonly name: string;
  /** Tensor inputs (gradients flow to these). */
  readonly inputs: readonly Tensor[];
  /**
   * Runs the kernel(s); returns the output storage. May return temporary tensors (from a
   * composite fallback): the engine takes their storage and disposes them.
   */
  readonly forward: (backend: Backend) => TensorInfo | TensorInfo[];
  /** Gradient rule; absent = not differentiable (outputs carry no gradient). */
  readonly backward?: BackwardFn;
  /** Keep the inputs for `backward` (default true when backward is given). */
  readonly saveInputs?: boolean;
  /** Keep the outputs for `backward`. */
  readonly saveOutputs?: boolean;
}

interface DataRecord {
  refs: number;
  bytes: number;
}

/**
 * Dispatches ops to one backend and tracks everything needed around them: storage
 * reference counts (views share storage), `tidy` scopes, and the autograd tape.
 */
export class Engine {
  private readonly data = new Map<DataId, DataRecord>();
  private readonly scopes: Set<Tensor>[] = [];
  /** Stack of tapes; `null` marks a no-grad region. */
  private readonly tapes: (Tape | null)[] = [];
  private liveTensors = 0;
  private liveBytes = 0;

  constructor(readonly backend: Backend) {}

  // ---- tensors and storage ------------------------------------------------

  /** @internal wraps kernel output storage in a tracked tensor. */
  makeTensor(info: TensorInfo): Tensor {
    this.addRef(info.dataId, info.shape, info.dtype);
    const t = new Tensor(this, info.dataId, info.shape, info.dtype);
    this.track(t);
    return t;
  }

  /** @internal uploads host values. */
  fromHost(values: TypedArray, shape: Shape, dtype: DType): Tensor {
    return this.makeTensor({ dataId: this.backend.write(values, dtype), shape, dtype });
  }

  /** @internal a tensor sharing `t`'s storage with another shape (same size). */
  view(t: Tensor, shape: Shape, tracked = true): Tensor {
    this.addRef(t.dataId, shape, t.dtype);
    const v = new Tensor(this, t.dataId, shape, t.dtype);
    if (tracked) this.track(v);
    else this.liveTensors++;
    return v;
  }

  /** @internal a variable that shares `init`'s storage; not owned by any scope. */
  makeVariable(init: Tensor, name: string, trainable: boolean): Variable {
    this.addRef(init.dataId, init.shape, init.dtype);
    const v = new Variable(this, init.dataId, init.shape, init.dtype, name, trainable);
    this.liveTensors++;
    return v;
  }

  /** @internal points a variable at `value`'s storage. */
  assignData(v: Variable, value: Tensor): void {
    this.addRef(value.dataId, value.shape, value.dtype);
    this.releaseData(v.dataId);
    v.dataId = value.dataId;
  }

  /** @internal true when no other tensor or view shares `t`'s storage. */
  ownsStorageAlone(t: Tensor): boolean {
    return this.data.get(t.dataId)?.refs === 1;
  }

  /** @internal the kernel view of a tensor, checking it is alive and belongs here. */
  info(t: Tensor, op: string): TensorInfo {
    t.assertLive(op);
    if (t.engine !== this) {
      throw new BackendError(`${op}: tensor #${t.id} belongs to another Heed instance (backend "${t.engine.backend.name}")`);
    }
    return t;
  }

  /** @internal */
  read(t: Tensor): Promise<TypedArray> {
    return this.backend.read(t.dataId);
  }

  /** @internal */
  readSync(t: Tensor): TypedArray {
    if (!this.backend.readSync) {
      throw new BackendError(`dataSync: backend "${this.backend.name}" cannot read synchronously; use await tensor.data()`);
    }
    return this.backend.readSync(t.dataId);
  }

  /** @internal called by Tensor.dispose(). */
  release(t: Tensor): void {
    this.liveTensors--;
    for (const scope of this.scopes) scope.delete(t);
    this.releaseData(t.dataId);
  }

  private addRef(dataId: DataId, shape: Shape, dtype: DType): void {
    const rec = this.data.get(dataId);
    if (rec) {
      rec.refs++;
      return;
    }
    const bytes = sizeOf(shape) * bytesPerElement(dtype);
    this.data.set(dataId, { refs: 1, bytes });
    this.liveBytes += bytes;
  }

  private releaseData(dataId: DataId): void {
    const rec = this.data.get(dataId);
    if (!rec) return;
    if (--rec.refs > 0) return;
    this.data.delete(dataId);
    this.liveBytes -= rec.bytes;
    this.backend.disposeData(dataId);
  }

  private track(t: Tensor): void {
    this.liveTensors++;
    const scope = this.scopes[this.scopes.length - 1];
    if (scope) scope.add(t);
  }

  /** Live tensors and bytes. */
  memory(): MemoryInfo {
    return {
      numTensors: this.liveTensors,
      numDataBuffers: this.data.size,
      numBytes: this.liveBytes,
      backend: this.backend.memory(),
    };
  }

  // ---- scopes ---------------------------------------------------------------

  /**
   * Runs `fn` and disposes every tensor it created except those it returns (found in
   * arrays and plain objects) and those passed to `keep()`. If `fn` throws, everything
   * it created is disposed.
   */
  tidy<T>(fn: () => T): T {
    const scope = new Set<Tensor>();
    this.scopes.push(scope);
    let result: T;
    try {
      result = fn();
    } catch (e) {
      this.scopes.pop();
      for (const t of scope) if (!t.kept) t.dispose();
      throw e;
    }
    this.scopes.pop();
    if (result instanceof Promise) {
      throw new ArgumentError('tidy: the function returned a Promise; tidy scopes must be synchronous');
    }
    const keepSet = new Set<Tensor>();
    collectTensors(result, keepSet);
    const parent = this.scopes[this.scopes.length - 1];
    for (const t of scope) {
      if (keepSet.has(t)) parent?.add(t);
      else if (!t.kept) t.dispose();
    }
    return result;
  }

  /** Exempts `t` from disposal by any enclosing `tidy` scope. */
  keep<T extends Tensor>(t: T): T {
    t.kept = true;
    for (const scope of this.scopes) scope.delete(t);
    return t;
  }

  // ---- dispatch and autograd ------------------------------------------------

  /** Runs one op: its kernel(s) now, and a tape entry when a gradient is being recorded. */
  run(spec: OpSpec): Tensor[] {
    const infos: TensorInfo[] = [];
    for (const t of spec.inputs) infos.push(this.info(t, spec.name));
    const raw = spec.forward(this.backend);
    const outs = (Array.isArray(raw) ? raw : [raw]).map((info) => {
      const t = this.makeTensor(info);
      // A composite fallback hands back temporary tensors: the output now shares their storage.
      if (info instanceof Tensor) info.dispose();
      return t;
    });
    const tape = this.tapes[this.tapes.length - 1];
    if (tape && spec.backward && spec.inputs.some((t) => tape.watched.has(t.id))) {
      const node: TapeNode = {
        name: spec.name,
        inputIds: spec.inputs.map((t) => t.id),
        inputShapes: spec.inputs.map((t) => t.shape),
        inputDtypes: spec.inputs.map((t) => t.dtype),
        outputIds: outs.map((t) => t.id),
        outputShapes: outs.map((t) => t.shape),
        backward: spec.backward,
        savedInputs: spec.saveInputs === false ? [] : spec.inputs.map((t) => this.view(t, t.shape, false)),
        savedOutputs: spec.saveOutputs ? outs.map((t) => this.view(t, t.shape, false)) : [],
      };
      tape.record(node);
      for (const o of outs) if (o.dtype === 'float32') tape.watched.add(o.id);
    }
    return outs;
  }

  /** @internal opens a tape watching `sources`. */
  pushTape(sources: readonly Tensor[]): Tape {
    const tape = new Tape(sources.map((t) => t.id));
    this.tapes.push(tape);
    return tape;
  }

  /** @internal closes the innermost tape (it must be `tape`). */
  popTape(tape: Tape): void {
    const top = this.tapes.pop();
    if (top !== tape) throw new Error('internal: tape stack out of order');
  }

  /** Runs `fn` without recording gradients. */
  noGrad<T>(fn: () => T): T {
    this.tapes.push(null);
    try {
      return fn();
    } finally {
      this.tapes.pop();
    }
  }

  /** True while a gradient tape is recording. */
  get isRecording(): boolean {
    return this.tapes.length > 0 && this.tapes[this.tapes.length - 1] !== null;
  }

  /** Waits for the backend's queued work and surfaces deferred errors (no-op on CPU). */
  async sync(): Promise<void> {
    await this.backend.sync?.();
  }

  /** Frees the backend's resources. Tensors of this engine become unusable. */
  dispose(): void {
    this.backend.dispose?.();
  }
}

/** Collects every tensor reachable from `value` through arrays, Maps and plain objects. */
export function collectTensors(value: unknown, out: Set<Tensor>): void {
  if (value instanceof Tensor) out.add(value);
  else if (Array.isArray(value)) for (const v of value) collectTensors(v, out);
  else if (value instanceof Map) for (const v of value.values()) collectTensors(v, out);
  else if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collectTensors(v, out);
  }
}

let current: Engine | undefined;

/** The active engine (set by `createHeed` or `setEngine`). */
export function getEngine(): Engine {
  if (!current) {
    throw new BackendError('No Heed backend is active: call `await createHeed({ plugins: [cpuBackendModule] })` first');
  }
  return current;
}

/** Makes `engine` the one used by ops that create tensors from nothing. */
export function setEngine(engine: Engine | undefined): void {
  current = engine;
}
