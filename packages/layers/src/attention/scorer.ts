import { ShapeError, type Shape, type Tensor, type Variable } from '@heed/core';
import { Module, type ModuleOptions } from '../module.js';

/** The sizes an attention scorer is built for. */
export interface ScoreDims {
  /** Size of a query (decoder state) vector. */
  readonly queryDim: number;
  /** Size of a key (encoder state) vector. */
  readonly keyDim: number;
  /** Size of the hidden projection of `additive` (default keyDim). */
  readonly attentionDim?: number;
  /** Longest key sequence (needed by `location`, which scores positions, not contents). */
  readonly maxKeys?: number;
}

/**
 * The parameters of one scorer, as a child module (`score`) of the Attention layer that
 * owns it, so they are named (`attn.score.W`), saved in state dicts and trained with the
 * layer. A scorer creates them in `init` and looks them up by name in `score`.
 */
export class ScoreParameters extends Module {
  constructor(
    /** The owning layer's name, for error messages. */
    readonly owner: string,
    options: ModuleOptions,
  ) {
    super(options);
  }

  override get layerName(): string {
    return this.owner;
  }

  /** Creates a parameter drawn uniformly from ±bound. */
  uniform(name: string, shape: Shape, bound: number): Variable {
    return this.paramUniform(name, shape, bound);
  }

  /** Creates a parameter drawn from N(0, std²). */
  normal(name: string, shape: Shape, std: number): Variable {
    return this.paramNormal(name, shape, std);
  }

  /** Creates a zero parameter. */
  zeros(name: string, shape: Shape): Variable {
    return this.paramZeros(name, shape);
  }

  /** Creates a parameter initialised from `init` (which stays the caller's). */
  fromTensor(name: string, init: Tensor): Variable {
    return this.param(name, init);
  }

  /** The parameter called `name` (created in `init`). */
  get(name: string): Variable {
    const p = this.namedParameters().find(([n]) => n === name);
    if (!p) throw new ShapeError(`${this.owner}: scorer parameter "${name}" was not created in init()`);
    return p[1];
  }
}

/**
 * An attention scoring function: a plugin resolved by name from the container
 * (`TOKENS.AttentionScore`). Implementations are `@injectable()` classes with no state of
 * their own: parameters live in the `ScoreParameters` they are given, which the owning
 * Attention layer creates, names and disposes.
 */
export interface AttentionScorer {
  /**
   * Validates the sizes and creates the scorer's parameters (called once, when the owning
   * layer is built). Throw a ShapeError naming `params.owner` for sizes it cannot score.
   */
  init(params: ScoreParameters, dims: ScoreDims): void;
  /** Unnormalised scores [batch, tq, tk] of queries [batch, tq, queryDim] against keys [batch, tk, keyDim]. */
  score(query: Tensor, keys: Tensor, params: ScoreParameters): Tensor;
}
