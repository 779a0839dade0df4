import type { DType, TypedArray } from './dtype.js';
import type { Shape } from './shape.js';

/**
 * An opaque handle to storage owned by a backend. Core never looks inside; it only
 * passes it back to the backend that made it. Several tensors may share one handle
 * (reshape is a view); core counts references and calls `disposeData` once.
 */
export type DataId = object;

/** What a kernel sees of a tensor: its storage, shape and dtype. Always contiguous, row-major. */
export interface TensorInfo {
  readonly dataId: DataId;
  readonly shape: Shape;
  readonly dtype: DType;
}

/** Elementwise unary kernels. Float-only except `neg`, `abs`, `sign` (also int32) and `logicalNot` (bool). */
export type UnaryOp =
  | 'neg'
  | 'abs'
  | 'sign'
  | 'exp'
  | 'log'
  | 'log1p'
  | 'sqrt'
  | 'rsqrt'
  | 'square'
  | 'reciprocal'
  | 'tanh'
  | 'sigmoid'
  | 'relu'
  | 'sin'
  | 'cos'
  | 'erf'
  | 'floor'
  | 'ceil'
  | 'round'
  | 'logicalNot';

/**
 * Elementwise binary kernels with numpy broadcasting. Both inputs have the same dtype
 * (core casts first); the output has that dtype. `logicalAnd`/`logicalOr` take bool.
 * int32 `div` truncates toward zero like C; `mod` has the sign of the divisor like Python.
 */
export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum' | 'mod' | 'logicalAnd' | 'logicalOr';

/** Elementwise comparisons with broadcasting; the output is bool. */
export type CompareOp = 'equal' | 'notEqual' | 'less' | 'lessEqual' | 'greater' | 'greaterEqual';

/** Reductions over a set of axes. */
export type ReduceOp = 'sum' | 'max' | 'min' | 'prod';

/** Index reductions over one axis; the output is int32. Ties give the first index. */
export type ArgReduceOp = 'argmax' | 'argmin';

/** Memory a backend holds, for leak tests. */
export interface BackendMemory {
  /** Storage buffers currently allocated for live data. */
  readonly buffers: number;
  /** Bytes in those buffers. */
  readonly bytes: number;
}

/**
 * The primitive kernels every backend implements. Core validates shapes and dtypes
 * before calling any of them, so a kernel may assume well-formed input; kernels never
 * compute gradients (autograd lives in core).
 *
 * Conventions: `axes` are non-negative and sorted; output shapes follow the rules
 * documented on each method; every kernel returns freshly allocated storage.
 */
export interface PrimitiveKernels {
  /** Elementwise unary op. */
  unary(op: UnaryOp, x: TensorInfo): TensorInfo;
  /** Elementwise binary op with broadcasting; output shape is the broadcast shape. */
  binary(op: BinaryOp, a: TensorInfo, b: TensorInfo): TensorInfo;
  /** Elementwise comparison with broadcasting; output dtype bool. */
  compare(op: CompareOp, a: TensorInfo, b: TensorInfo): TensorInfo;
  /** `cond ? a : b` elementwise, all three broadcast together; `cond` is bool. */
  where(cond: TensorInfo, a: TensorInfo, b: TensorInfo): TensorInfo;
  /** Reduces over `axes` (sorted, non-empty or empty); the output drops those axes. */
  reduce(op: ReduceOp, x: TensorInfo, axes: readonly number[]): TensorInfo;
  /** Index of the max/min along `axis`; the output drops that axis; dtype int32. */
  argReduce(op: ArgReduceOp, x: TensorInfo, axis: number): TensorInfo;
  /**
   * Batched matrix product, float32. `a` is [...batchA, m, k] (or [...batchA, k, m] with
   * `transA`), `b` is [...batchB, k, n] (or [...batchB, n, k] with `transB`), both of rank
   * ≥ 2; the batch dimensions broadcast; the output is [...batch, m, n].
   */
  matmul(a: TensorInfo, b: TensorInfo, transA: boolean, transB: boolean): TensorInfo;
  /** Permutes dimensions: output dim i is input dim perm[i]. */
  transpose(x: TensorInfo, perm: readonly number[]): TensorInfo;
  /** Contiguous slice: `size[i]` elements starting at `begin[i]` in each dimension. */
  slice(x: TensorInfo, begin: readonly number[], size: readonly number[]): TensorInfo;
  /** Concatenates tensors of equal dtype and rank whose shapes differ only along `axis`. */
  concat(xs: readonly TensorInfo[], axis: number): TensorInfo;
  /** Pads each dimension with `paddings[i] = [before, after]` elements of `value`. */
  pad(x: TensorInfo, paddings: readonly (readonly [number, number])[], value: number): TensorInfo;
  /**
   * Gathers slices of `x` along `axis` by int32 `indices`: the output shape is
   * x.shape[:axis] ++ indices.shape ++ x.shape[axis+1:]. An index outside
   * [0, x.shape[axis]) must throw an ArgumentError where the backend can see it
   * synchronously (CPU), or yield zeros (GPU backends, documented per backend).
   */
  gather(x: TensorInfo, indices: TensorInfo, axis: number): TensorInfo;
  /**
   * The adjoint of `gather`: a zero tensor of `shape` (float32) into which each slice of
   * `updates` (shape shape[:axis] ++ indices.shape ++ shape[axis+1:]) is added at its index.
   * Repeated indices accumulate. Out-of-range indices follow the same rule as `gather`.
   */
  scatterAdd(indices: TensorInfo, updates: TensorInfo, shape: Shape, axis: number): TensorInfo;
  /** Converts dtype. float→int truncates toward zero; anything→bool is `x != 0`. */
  cast(x: TensorInfo, dtype: DType): TensorInfo;
}

/** Arguments of the fused scaled dot-product attention kernel. */
export interface AttentionArgs {
  /** [batch, heads, tq, d] */
  readonly q: TensorInfo;
  /** [batch, heads, tk, d] */
  readonly k: TensorInfo;
  /** [batch, heads, tk, dv] */
  readonly v: TensorInfo;
  /** Optional bool mask broadcastable to [batch, heads, tq, tk]: true = attend, false = masked out. */
  readonly mask?: TensorInfo;
  /** Mask future keys (key index > query index + (tk - tq)). */
  readonly causal: boolean;
  /** Multiplier applied to q·kᵀ, usually 1/sqrt(d). */
  readonly scale: number;
}

/**
 * Optional fused kernels. A backend may implement any subset; core has a composite
 * fallback built from primitives for each, and the gradients are core's either way.
 * All are float32.
 */
export interface FusedKernels {
  /** Softmax over the last axis. */
  softmax?(x: TensorInfo): TensorInfo;
  /** Log-softmax over the last axis. */
  logSoftmax?(x: TensorInfo): TensorInfo;
  /** Layer norm over the last axis: (x - mean) / sqrt(var + eps) * gamma + beta; gamma/beta are [lastDim]. */
  layerNorm?(x: TensorInfo, gamma: TensorInfo, beta: TensorInfo, eps: number): TensorInfo;
  /** GELU; `approximate: 'tanh'` uses the tanh approximation, 'none' the exact erf form. */
  gelu?(x: TensorInfo, approximate: 'none' | 'tanh'): TensorInfo;
  /** Scaled dot-product attention: softmax(scale·q·kᵀ masked) · v → [batch, heads, tq, dv]. Fully masked rows give zeros. */
  attention?(args: AttentionArgs): TensorInfo;
  /**
   * One LSTM step. x [b, in], h/c [b, hidden], w [in, 4·hidden], r [hidden, 4·hidden],
   * bias [4·hidden]; gate order i, f, g, o (g = cell candidate). Returns [h', c'].
   */
  lstmCell?(x: TensorInfo, h: TensorInfo, c: TensorInfo, w: TensorInfo, r: TensorInfo, bias: TensorInfo): [TensorInfo, TensorInfo];
  /**
   * One GRU step (the `linear_before_reset` form used by PyTorch and ONNX with lbr=1).
   * x [b, in], h [b, hidden], w [in, 3·hidden], r [hidden, 3·hidden], bw/br [3·hidden];
   * gate order z (update), r (reset), n (candidate). Returns h'.
   */
  gruCell?(x: TensorInfo, h: TensorInfo, w: TensorInfo, r: TensorInfo, bw: TensorInfo, br: TensorInfo): TensorInfo;
  /**
   * The gradient of `lstmCell` (same inputs, plus the output gradients dh' and dc'):
   * returns [dx, dh, dc, dw, dr, dbias]. Recurrent training spends most of its time here,
   * so one gate pass plus four matmuls replaces differentiating the composite.
   */
  lstmCellBackward?(
    x: TensorInfo,
    h: TensorInfo,
    c: TensorInfo,
    w: TensorInfo,
    r: TensorInfo,
    bias: TensorInfo,
    dh2: TensorInfo,
    dc2: TensorInfo,
  ): [TensorInfo, TensorInfo, TensorInfo, TensorInfo, TensorInfo, TensorInfo];
  /** x [m, in] · wᵀ (w [out, in]) + bias [out] → [m, out]: a dense layer with the bias fused into the product. */
  linear?(x: TensorInfo, w: TensorInfo, bias: TensorInfo | undefined): TensorInfo;
  /** The gradient of `gelu` at x for the output gradient dy (dy·GELU'(x)), one pass. */
  geluBackward?(x: TensorInfo, dy: TensorInfo, approximate: 'none' | 'tanh'): TensorInfo;
  /** The gradient of `layerNorm` (statistics recomputed from x): returns [dx, dgamma, dbeta]. */
  layerNormBackward?(x: TensorInfo, gamma: TensorInfo, dy: TensorInfo, eps: number): [TensorInfo, TensorInfo, TensorInfo];
  /** The gradient of `attention` for the output gradient dy [batch, heads, tq, dv]: returns [dq, dk, dv]. */
  attentionBackward?(args: AttentionArgs, dy: TensorInfo): [TensorInfo, TensorInfo, TensorInfo];
  /**
   * A whole LSTM sequence (`lstmCell`'s math and gate order over every step): x [T, b, in],
   * h0/c0 [b, hidden], w/r/bias as `lstmCell`. Returns [y [T, b, hidden], h_T, c_T,
   * gates [T, b, 4·hidden], cells [T, b, hidden]], the last two (activated gates i, f, g, o and
   * cell states per step) being what `lstmSequenceBackward` needs. Running the whole sequence
   * in one kernel lets a backend project every step's input in one matmul and keep the
   * recurrent weights packed across steps.
   */
  lstmSequence?(x: TensorInfo, h0: TensorInfo, c0: TensorInfo, w: TensorInfo, r: TensorInfo, bias: TensorInfo): TensorInfo[];
  /**
   * The gradient of `lstmSequence` from its inputs, its saved outputs (y, gates, cells) and the
   * gradients of y, h_T and c_T: returns [dx, dh0, dc0, dw, dr, dbias].
   */
  lstmSequenceBackward?(
    inputs: { x: TensorInfo; h0: TensorInfo; c0: TensorInfo; w: TensorInfo; r: TensorInfo },
    saved: { y: TensorInfo; gates: TensorInfo; cells: TensorInfo },
    grads: { dy: TensorInfo; dhLast: TensorInfo; dcLast: TensorInfo },
  ): TensorInfo[];
  /** The gradient of `gruCell` given dh': returns [dx, dh, dw, dr, dbw, dbr]. */
  gruCellBackward?(
    x: TensorInfo,
    h: TensorInfo,
    w: TensorInfo,
    r: TensorInfo,
    bw: TensorInfo,
    br: TensorInfo,
    dh2: TensorInfo,
  ): [TensorInfo, TensorInfo, TensorInfo, TensorInfo, TensorInfo, TensorInfo];
  /**
   * Per-row cross-entropy of logits [n, classes] against int32 labels [n]; output [n] (see
   * `CrossEntropyArgs`). A row whose label equals `args.ignoreIndex` gives exactly 0; any
   * other label outside [0, classes) is an error where the backend can check (CPU throws
   * `ArgumentError`) and NaN where it cannot (GPU). Backends without this kernel get core's
   * composite, which implements the same arguments.
   */
  crossEntropy?(logits: TensorInfo, labels: TensorInfo, args: CrossEntropyArgs): TensorInfo;
  /**
   * The gradient of `crossEntropy`'s per-row losses with respect to the logits, given their
   * gradient dy [n]: dy·(softmax(x) − ((1 − ε)·onehot(y) + ε/classes)) per row, zeros in
   * rows whose label is the ignore index; output [n, classes]. One pass instead of the half
   * dozen [n, classes] temporaries of the composite rule, which matters for large vocabularies.
   */
  crossEntropyBackward?(logits: TensorInfo, labels: TensorInfo, dy: TensorInfo, args: CrossEntropyArgs): TensorInfo;
  /**
   * One Adam/AdamW update of a parameter, all inputs of one shape: returns
   * [param', m', v'] (see `AdamStepArgs`). Optimizer steps dominate training time for
   * large embeddings, where one fused pass replaces about a dozen elementwise kernels.
   */
  adamStep?(param: TensorInfo, grad: TensorInfo, m: TensorInfo, v: TensorInfo, args: AdamStepArgs): [TensorInfo, TensorInfo, TensorInfo];
}

/**
 * Hyper-parameters of one fused Adam step: m' = β₁m + (1−β₁)g; v' = β₂v + (1−β₂)g²;
 * p' = p − lr·(m'/c₁)/(√(v'/c₂) + ε) − lr·wd·p, with c₁ = 1−β₁ᵗ and c₂ = 1−β₂ᵗ.
 */
export interface AdamStepArgs {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  /** Bias corrections 1−β₁ᵗ and 1−β₂ᵗ for this step. */
  readonly c1: number;
  readonly c2: number;
  /** Decoupled weight decay (AdamW); 0 for Adam. */
  readonly weightDecay: number;
  /**
   * The engine holds the only references to `param`, `m` and `v`, so the kernel may
   * update their storage in place and return their own DataIds (saving three
   * allocations of the parameter's size per step). Otherwise it must return new storage.
   */
  readonly inPlace?: boolean;
}

/**
 * Arguments of the fused cross-entropy kernel. With lse = log Σⱼ exp(xⱼ), C classes and
 * ε = `labelSmoothing`, a row with label y ≠ `ignoreIndex` gives
 * (1 − ε)·(lse − x_y) + ε·(lse − (1/C)·Σⱼ xⱼ) (PyTorch's label smoothing), a row with
 * label = `ignoreIndex` gives 0.
 */
export interface CrossEntropyArgs {
  /** Label value whose rows are ignored (loss 0); -100 by default in `crossEntropy`. */
  readonly ignoreIndex: number;
  /** ε in [0, 1): the weight of the uniform distribution mixed into the target. */
  readonly labelSmoothing: number;
}

/** Names of the fused kernels, for reporting which ones a backend provides. */
export const FUSED_KERNELS = ['softmax', 'logSoftmax', 'layerNorm', 'gelu', 'attention', 'lstmCell', 'gruCell', 'lstmCellBackward', 'gruCellBackward', 'lstmSequence', 'lstmSequenceBackward', 'linear', 'geluBackward', 'layerNormBackward', 'attentionBackward', 'crossEntropy',
  'crossEntropyBackward', 'adamStep'] as const;

/** The name of a fused kernel. */
export type FusedKernelName = (typeof FUSED_KERNELS)[number];

/**
 * A compute backend: storage plus primitive kernels plus any fused kernels.
 * Implementations are plain classes; they reach an app through a `BackendRegistration`
 * bound in a ContainerModule.
 */
export interface Backend extends PrimitiveKernels, FusedKernels {
  /** The name it is registered under, e.g. "cpu". */
  readonly name: string;
  /** Copies host values into new storage (the array may be retained; callers pass a fresh one). */
  write(values: TypedArray, dtype: DType): DataId;
  /** Reads storage back to the host. */
  read(dataId: DataId): Promise<TypedArray>;
  /** Synchronous read, where the backend allows it (CPU does; GPU backends do not). */
  readSync?(dataId: DataId): TypedArray;
  /** Releases storage. Called exactly once per DataId. */
  disposeData(dataId: DataId): void;
  /** Storage currently held. */
  memory(): BackendMemory;
  /**
   * Waits until all queued work has finished and raises any deferred error (GPU backends
   * queue kernels and report validation errors late). Synchronous backends omit it.
   */
  sync?(): Promise<void>;
  /** Releases everything (workers, devices). The backend is unusable afterwards. */
  dispose?(): void;
}
