/** What a Trainer reports while it runs: events to listeners (progress renderers, JSONL logs, a user's callback). */

/** Training started (or resumed) at `step`. */
export interface StartEvent {
  readonly type: 'start';
  readonly step: number;
  readonly epoch: number;
  /** The step training will stop at, when known (maxSteps, or epochs × steps per epoch). */
  readonly totalSteps?: number;
  readonly resumed: boolean;
}

/** One optimizer step finished. */
export interface StepEvent {
  readonly type: 'step';
  /** Optimizer steps done (1 after the first). */
  readonly step: number;
  readonly epoch: number;
  /** The step's loss: the token-weighted mean over its micro-batches. */
  readonly loss: number;
  /** The learning rate this step used. */
  readonly lr: number;
  /** Target tokens in this step (labels that are not ignored). */
  readonly tokens: number;
  /** Target tokens per second since this `fit` started. */
  readonly tokensPerSecond: number;
  /** Seconds since this `fit` started. */
  readonly elapsed: number;
  /** Estimated seconds left, when the total is known. */
  readonly eta?: number;
  readonly totalSteps?: number;
  /** Global gradient norm before clipping, when clipping is on. */
  readonly gradNorm?: number;
}

/** The user's metric was evaluated. */
export interface EvalEvent {
  readonly type: 'eval';
  readonly step: number;
  readonly metric: number;
  /** The best metric so far (this one included) and its step. */
  readonly best: number;
  readonly bestStep: number;
  readonly improved: boolean;
}

/** A checkpoint was written (complete: the directory appears only when everything is in it). */
export interface CheckpointEvent {
  readonly type: 'checkpoint';
  readonly step: number;
  readonly path: string;
}

/** Why training stopped. */
export type StopReason = 'maxSteps' | 'epochs' | 'earlyStopping';

/** Training stopped. */
export interface EndEvent {
  readonly type: 'end';
  readonly step: number;
  readonly epoch: number;
  readonly reason: StopReason;
  readonly elapsed: number;
}

/** Any Trainer event. */
export type TrainerEvent = StartEvent | StepEvent | EvalEvent | CheckpointEvent | EndEvent;

/** Receives events in order; the Trainer awaits a returned promise before going on. */
export type TrainerListener = (event: TrainerEvent) => void | Promise<void>;
