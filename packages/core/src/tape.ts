import type { DType } from './dtype.js';
import type { Shape } from './shape.js';
import type { Tensor } from './tensor.js';

/** Saved tensors handed to a gradient rule. */
export interface Saved {
  /** The op's inputs, in order (empty when the op does not save them). */
  readonly inputs: readonly Tensor[];
  /** The op's outputs, when the op saves them. */
  readonly outputs: readonly Tensor[];
}

/**
 * A gradient rule: given the gradients of the outputs (zeros where an output got
 * none), returns one gradient per input, with that input's shape, or null for none.
 * Rules are written with ops, once, for every backend.
 */
export type BackwardFn = (dys: readonly Tensor[], saved: Saved) => readonly (Tensor | null | undefined)[];

/** One recorded op. */
export interface TapeNode {
  readonly name: string;
  readonly inputIds: readonly number[];
  readonly inputShapes: readonly Shape[];
  readonly inputDtypes: readonly DType[];
  readonly outputIds: readonly number[];
  readonly outputShapes: readonly Shape[];
  readonly backward: BackwardFn;
  readonly savedInputs: readonly Tensor[];
  readonly savedOutputs: readonly Tensor[];
}

/** The record of ops that depend on the watched tensors, in execution order. */
export class Tape {
  readonly watched: Set<number>;
  readonly nodes: TapeNode[] = [];

  constructor(sourceIds: readonly number[]) {
    this.watched = new Set(sourceIds);
  }

  record(node: TapeNode): void {
    this.nodes.push(node);
  }

  /** Frees the tensors the nodes saved. */
  dispose(): void {
    for (const n of this.nodes) {
      for (const t of n.savedInputs) t.dispose();
      for (const t of n.savedOutputs) t.dispose();
    }
    this.nodes.length = 0;
  }
}
