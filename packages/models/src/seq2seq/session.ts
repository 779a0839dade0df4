/**
 * The decoding session of the recurrent models: a named set of state tensors (RNN states,
 * encoder outputs, source mask, context), each with its batch axis, advanced one token
 * at a time by the model's step function. `select` gathers the rows of every state
 * tensor (beam search expansion and reordering).
 */
import { ArgumentError, DisposedError, gather, tensor, type Engine, type Tensor } from '@heed/core';
import type { DecoderSession } from '../generation/session.js';

/** A state tensor and the axis its rows are on. */
export interface StateEntry {
  readonly tensor: Tensor;
  readonly batchAxis: number;
}

/**
 * One step of a model: int32 tokens [rows] and the current state (by name) → log-probs
 * [rows, vocab] and the state entries that changed (the tensors it returns replace the old
 * ones, which the session disposes).
 */
export type RecurrentStepFn = (tokens: Tensor, state: Readonly<Record<string, Tensor>>) => { logProbs: Tensor; state: Record<string, Tensor> };

/** A `DecoderSession` over recurrent state; see the file comment. */
export class RecurrentDecoderSession implements DecoderSession {
  private state = new Map<string, StateEntry>();
  private live = true;
  private n: number;

  constructor(
    private readonly engine: Engine,
    readonly vocabSize: number,
    /** Name of the model, for error messages. */
    private readonly model: string,
    initial: Record<string, StateEntry>,
    rows: number,
    private readonly stepFn: RecurrentStepFn,
    /** Tokens to feed at the first step (a language model's last prompt tokens); absent: BOS. */
    readonly startTokens?: Int32Array,
  ) {
    this.n = rows;
    for (const [k, e] of Object.entries(initial)) this.state.set(k, { tensor: engine.keep(e.tensor), batchAxis: e.batchAxis });
  }

  get rows(): number {
    return this.n;
  }

  /** The current state tensors by name (read-only views for inspection and tests). */
  get tensors(): Readonly<Record<string, Tensor>> {
    return Object.fromEntries([...this.state].map(([k, e]) => [k, e.tensor]));
  }

  step(tokens: Int32Array): Tensor {
    this.assertLive('step');
    if (tokens.length !== this.n) throw new ArgumentError(`${this.model} session: step expects ${this.n} tokens (one per row), got ${tokens.length}`);
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i]!;
      if (!(t >= 0 && t < this.vocabSize)) throw new ArgumentError(`${this.model} session: token ${t} at row ${i} is outside [0, ${this.vocabSize})`);
    }
    const current = this.tensors;
    const { logProbs, state } = this.engine.tidy(() => this.stepFn(tensor(tokens, [this.n], 'int32', { engine: this.engine }), current));
    this.replace(state);
    return logProbs;
  }

  select(indices: Int32Array): void {
    this.assertLive('select');
    for (let i = 0; i < indices.length; i++) {
      const r = indices[i]!;
      if (!(Number.isInteger(r) && r >= 0 && r < this.n)) {
        throw new ArgumentError(`${this.model} session: select index ${r} at ${i} is outside [0, ${this.n})`);
      }
    }
    const next = this.engine.tidy(() => {
      const idx = tensor(indices, [indices.length], 'int32', { engine: this.engine });
      return Object.fromEntries([...this.state].map(([k, e]) => [k, gather(e.tensor, idx, e.batchAxis)]));
    });
    this.replace(next);
    this.n = indices.length;
  }

  dispose(): void {
    if (!this.live) return;
    this.live = false;
    for (const e of this.state.values()) e.tensor.dispose();
    this.state.clear();
  }

  private replace(next: Record<string, Tensor>): void {
    for (const [k, t] of Object.entries(next)) {
      const old = this.state.get(k);
      if (!old) throw new ArgumentError(`${this.model} session: the step function returned an unknown state "${k}"`);
      if (old.tensor !== t) old.tensor.dispose();
      this.state.set(k, { tensor: this.engine.keep(t), batchAxis: old.batchAxis });
    }
  }

  private assertLive(op: string): void {
    if (!this.live) throw new DisposedError(`${this.model} session: ${op} after dispose()`);
  }
}
