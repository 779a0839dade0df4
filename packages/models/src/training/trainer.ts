import { AdamW, ArgumentError, Rng, reshape, type Optimizer } from '@heed/core';
import type { Model } from '../model.js';
import { jsonDiff } from './config-diff.js';
import { ListSource, type BatchSource, type DataCursor, type PositionedBatch } from './data/source.js';
import { ResumeError } from './errors.js';
import type { StepEvent, StopReason, TrainerEvent, TrainerListener } from './events.js';
import type { HostBatch } from './host-batch.js';
import { constantSchedule, type LRSchedule } from './schedules.js';
import { forwardLoss, optimizerStep, type LossFn } from './step.js';
import type { TrainerCheckpoint } from './checkpoint-node.js';

/** Evaluation with a user's metric, and early stopping on it. */
export interface EvaluateOptions<M extends Model> {
  /** Evaluate after every `every` optimizer steps. */
  every: number;
  /** The metric (the model is in eval mode while it runs, and back in training mode after). */
  metric: (model: M) => number | Promise<number>;
  /** 'min' (default: a loss, lower is better) or 'max' (an accuracy, BLEU). */
  mode?: 'min' | 'max';
  /** Stop after this many evaluations in a row without improvement (default: never stop early). */
  patience?: number;
  /** The least change that counts as an improvement (default 0). */
  minDelta?: number;
}

/** Options of a `Trainer`. */
export interface TrainerOptions<M extends Model> {
  /** Default: `new AdamW(1e-3)` (decoupled decay 0.01, no decay of biases or LayerNorm parameters). */
  optimizer?: Optimizer;
  /** Learning rate per step; default: constant at the optimizer's learning rate. */
  schedule?: LRSchedule;
  /** Stop after this many optimizer steps in total (counting steps before a resume). */
  maxSteps?: number;
  /** Stop after this many epochs in total (default 1 when `maxSteps` is not given, else unbounded). */
  epochs?: number;
  /** Micro-batches per optimizer step (gradient accumulation; default 1). */
  accumulate?: number;
  /** Clip gradients to this global L2 norm. */
  clipNorm?: number;
  /** The loss of a batch; default `model.forward(batch).loss`. */
  loss?: LossFn<M>;
  evaluate?: EvaluateOptions<M>;
  /** Write a checkpoint into `dir` every `every` steps (Node). */
  checkpoint?: { dir: string; every: number };
  /** Event listeners, called in order. */
  listeners?: TrainerListener[];
  /** Show progress on stderr: a live bar on a TTY, plain lines otherwise (Node; default false). */
  progress?: boolean;
  /** Append every event as a JSON line to this file (Node). */
  logFile?: string;
}

/** What `fit` did. */
export interface TrainResult {
  /** Optimizer steps done in total (including those before a resume). */
  readonly step: number;
  readonly epoch: number;
  readonly reason: StopReason;
  /** The loss of every step of this `fit` call, in order. */
  readonly losses: number[];
  /** Every evaluation of this `fit` call. */
  readonly evaluations: { step: number; metric: number }[];
  /** The best metric so far and its step, when evaluating. */
  readonly best?: { step: number; metric: number };
  /** Checkpoints written by this `fit` call. */
  readonly checkpoints: string[];
}

function positiveInt(what: string, v: number | undefined): void {
  if (v !== undefined && !(Number.isInteger(v) && v >= 1)) throw new ArgumentError(`Trainer: ${what} must be a positive integer, got ${v}`);
}

/**
 * Trains a model whose `forward(batch)` returns a `loss`. `new Trainer(model, options).fit(data)`
 * runs optimizer steps over host batches until `maxSteps` or `epochs`, owning every tensor
 * and gradient of a step (user code never disposes one); it evaluates a user's metric
 * every N steps with early stopping, checkpoints every N steps, and reports events.
 * `await trainer.resume(dir)` before `fit` continues a checkpointed run so that, on the CPU,
 * the losses after resuming are bit-identical to an uninterrupted run's.
 */
export class Trainer<M extends Model = Model> {
  readonly optimizer: Optimizer;
  readonly schedule: LRSchedule;
  private step = 0;
  private epoch = 0;
  private cursor: DataCursor | undefined;
  private best: number | undefined;
  private bestStep = 0;
  private bad = 0;
  private resumed = false;

  constructor(
    readonly model: M,
    readonly options: TrainerOptions<M> = {},
  ) {
    positiveInt('maxSteps', options.maxSteps);
    positiveInt('epochs', options.epochs);
    positiveInt('accumulate', options.accumulate);
    positiveInt('evaluate.every', options.evaluate?.every);
    positiveInt('evaluate.patience', options.evaluate?.patience);
    positiveInt('checkpoint.every', options.checkpoint?.every);
    if (options.clipNorm !== undefined && !(options.clipNorm > 0)) throw new ArgumentError(`Trainer: clipNorm must be > 0, got ${options.clipNorm}`);
    if (options.evaluate && typeof options.evaluate.metric !== 'function') throw new ArgumentError('Trainer: evaluate.metric must be a function');
    this.optimizer = options.optimizer ?? new AdamW(1e-3);
    this.schedule = options.schedule ?? constantSchedule(this.optimizer.learningRate);
  }

  /** Optimizer steps done so far (restored by `resume`). */
  get steps(): number {
    return this.step;
  }

  /** The current epoch (0-based). */
  get currentEpoch(): number {
    return this.epoch;
  }

  /**
   * Trains on `data` (a `BatchSource`, or a list of host batches used in order every
   * epoch) until `maxSteps` or `epochs` is reached or early stopping triggers.
   */
  async fit(data: BatchSource | readonly HostBatch[]): Promise<TrainResult> {
    const source: BatchSource = Array.isArray(data) ? new ListSource(data as readonly HostBatch[]) : (data as BatchSource);
    if (typeof source?.batches !== 'function') {
      throw new ArgumentError('Trainer.fit: data must be a BatchSource (batches(epoch, from)) or an array of host batches');
    }
    const o = this.options;
    const maxSteps = o.maxSteps ?? Infinity;
    const epochs = o.epochs ?? (o.maxSteps === undefined ? 1 : Infinity);
    const accumulate = o.accumulate ?? 1;
    const listeners = await this.listeners();
    await this.checkCheckpointDir();
    const result = { losses: [] as number[], evaluations: [] as { step: number; metric: number }[], checkpoints: [] as string[] };
    const perEpoch = source.batchesPerEpoch === undefined ? undefined : Math.ceil(source.batchesPerEpoch / accumulate);
    const totalSteps = Math.min(maxSteps, perEpoch === undefined ? Infinity : perEpoch * epochs);
    const total = Number.isFinite(totalSteps) ? totalSteps : undefined;
    const emit = async (e: TrainerEvent): Promise<void> => {
      for (const l of listeners) await l(e);
    };
    const start = performance.now();
    const firstStep = this.step;
    let tokens = 0;
    let reason: StopReason | undefined = this.step >= maxSteps ? 'maxSteps' : this.epoch >= epochs ? 'epochs' : undefined;
    await emit({ type: 'start', step: this.step, epoch: this.epoch, ...(total === undefined ? {} : { totalSteps: total }), resumed: this.resumed });
    this.model.train();
    const runStep = async (micro: PositionedBatch[]): Promise<void> => {
      const lr = this.schedule.at(this.step + 1);
      const r = await optimizerStep(this.model, this.optimizer, micro.map((m) => m.batch), {
        lr,
        loss: o.loss ?? forwardLoss,
        ...(o.clipNorm === undefined ? {} : { clipNorm: o.clipNorm }),
      });
      this.step++;
      this.cursor = micro.at(-1)!.cursor;
      tokens += r.tokens;
      result.losses.push(r.loss);
      const elapsed = (performance.now() - start) / 1000;
      const done = this.step - firstStep;
      const event: StepEvent = {
        type: 'step',
        step: this.step,
        epoch: this.epoch,
        loss: r.loss,
        lr,
        tokens: r.tokens,
        tokensPerSecond: elapsed > 0 ? tokens / elapsed : 0,
        elapsed,
        ...(total === undefined ? {} : { totalSteps: total, eta: (elapsed / done) * Math.max(0, total - this.step) }),
        ...(r.gradNorm === undefined ? {} : { gradNorm: r.gradNorm }),
      };
      await emit(event);
      if (o.evaluate && this.step % o.evaluate.every === 0 && (await this.evaluate(emit, result.evaluations))) reason = 'earlyStopping';
      if (o.checkpoint && this.step % o.checkpoint.every === 0) {
        const path = await this.writeCheckpoint();
        result.checkpoints.push(path);
        await emit({ type: 'checkpoint', step: this.step, path });
      }
      if (reason === undefined && this.step >= maxSteps) reason = 'maxSteps';
    };
    while (reason === undefined) {
      let pending: PositionedBatch[] = [];
      let seen = 0;
      const fromStart = this.cursor === undefined;
      for await (const pb of source.batches(this.epoch, this.cursor)) {
        seen++;
        pending.push(pb);
        if (pending.length < accumulate) continue;
        await runStep(pending);
        pending = [];
        if (reason !== undefined) break;
      }
      if (reason !== undefined) break;
      if (seen === 0 && fromStart) throw new ArgumentError(`Trainer.fit: the data yielded no batches in epoch ${this.epoch}`);
      if (pending.length > 0) await runStep(pending); // the epoch's last, shorter accumulation
      if (reason !== undefined) break;
      this.epoch++;
      this.cursor = undefined;
      if (this.epoch >= epochs) reason = 'epochs';
    }
    await emit({ type: 'end', step: this.step, epoch: this.epoch, reason, elapsed: (performance.now() - start) / 1000 });
    const best = this.best === undefined ? {} : { best: { step: this.bestStep, metric: this.best } };
    return { step: this.step, epoch: this.epoch, reason, ...result, ...best };
  }

  /** Frees the optimizer's state (moments, velocities); the model stays the caller's. */
  dispose(): void {
    this.optimizer.dispose();
  }

  /** Runs the metric; returns true when early stopping should stop training. */
  private async evaluate(emit: (e: TrainerEvent) => Promise<void>, log: { step: number; metric: number }[]): Promise<boolean> {
    const ev = this.options.evaluate!;
    this.model.eval();
    let metric: number;
    try {
      metric = await ev.metric(this.model);
    } finally {
      this.model.train();
    }
    if (typeof metric !== 'number' || Number.isNaN(metric)) {
      throw new ArgumentError(`Trainer: evaluate.metric returned ${String(metric)}, expected a number`);
    }
    const sign = ev.mode === 'max' ? 1 : -1;
    const improved = this.best === undefined || sign * (metric - this.best) > (ev.minDelta ?? 0);
    if (improved) {
      this.best = metric;
      this.bestStep = this.step;
      this.bad = 0;
    } else {
      this.bad++;
    }
    log.push({ step: this.step, metric });
    await emit({ type: 'eval', step: this.step, metric, best: this.best!, bestStep: this.bestStep, improved });
    return ev.patience !== undefined && this.bad >= ev.patience;
  }

  private async listeners(): Promise<TrainerListener[]> {
    const out = [...(this.options.listeners ?? [])];
    if (this.options.progress) out.push((await import('./progress-node.js')).progressRenderer());
    if (this.options.logFile) out.push((await import('./jsonl-node.js')).jsonlLog(this.options.logFile));
    return out;
  }

  /** A fresh run must not write into a directory holding another run's checkpoints; a resumed one must not overwrite later ones. */
  private async checkCheckpointDir(): Promise<void> {
    if (!this.options.checkpoint) return;
    const { listCheckpoints } = await import('./checkpoint-node.js');
    const dir = this.options.checkpoint.dir;
    const clash = (await listCheckpoints(dir)).filter((c) => c.step > this.step);
    if (clash.length > 0) {
      throw new ResumeError(
        `${dir} already holds checkpoints of ${this.resumed ? 'later steps' : 'a run'} (${clash.map((c) => c.step).join(', ')}); ` +
          `${this.resumed ? 'resume from the latest one' : 'resume from it'} or use another directory (nothing was overwritten)`,
      );
    }
  }

  private checkpointJSON(): TrainerCheckpoint {
    return {
      format: 'heed-trainer-checkpoint',
      version: 1,
      step: this.step,
      epoch: this.epoch,
      cursor: this.cursor ?? null,
      rng: this.model.rng.getState(),
      schedule: this.schedule.config,
      optimizer: this.optimizer.stateDict(this.model.namedParameters()).meta,
      model: this.model.toConfigJSON(),
      early: { best: this.best ?? null, bestStep: this.bestStep, bad: this.bad },
    };
  }

  private async writeCheckpoint(): Promise<string> {
    const { writeCheckpoint } = await import('./checkpoint-node.js');
    return writeCheckpoint(this.options.checkpoint!.dir, this.model, this.optimizer, this.checkpointJSON());
  }

  /**
   * Restores a checkpoint (a `checkpoint-<step>` directory, or a run directory for its latest
   * one) into the model, optimizer and trainer, so `fit` continues where it stopped. A
   * checkpoint of another model type or config, or of another schedule, throws `ResumeError`
   * naming the differing fields before anything is changed.
   */
  async resume(path: string): Promise<void> {
    const io = await import('./checkpoint-node.js');
    const { path: dir, json } = await io.readCheckpoint(path);
    const modelDiff = jsonDiff(json.model, this.model.toConfigJSON());
    if (modelDiff.length > 0) {
      const savedType = json.model.architectures?.[0] ?? json.model.model_type;
      const type = this.model.modelType;
      const what = savedType !== type ? `a ${String(savedType)} model, this is a ${type}` : `another ${type} config`;
      throw new ResumeError(`${dir} is a checkpoint of ${what}: ${modelDiff.join('; ')}`);
    }
    const scheduleDiff = jsonDiff(json.schedule, this.schedule.config);
    if (scheduleDiff.length > 0) throw new ResumeError(`${dir} was trained with another learning-rate schedule: ${scheduleDiff.join('; ')}`);
    try {
      new Rng().setState(json.rng); // checked before anything changes
    } catch (e) {
      throw new ResumeError(`${dir}: ${(e as Error).message}`);
    }
    const { weights, optimizer } = await io.readCheckpointTensors(dir, this.model.engine);
    // Views of the current weights (no copy: loading re-points variables at new storage) undo the model's load if the optimizer's fails.
    const backup = new Map(this.model.namedParameters().map(([n, p]) => [n, reshape(p, p.shape)]));
    try {
      this.model.loadStateDict(weights);
      try {
        this.optimizer.loadStateDict({ meta: json.optimizer, tensors: optimizer }, this.model.namedParameters());
      } catch (e) {
        this.model.loadStateDict(backup);
        throw e;
      }
    } finally {
      for (const t of [...weights.values(), ...optimizer.values(), ...backup.values()]) t.dispose();
    }
    this.model.rng.setState(json.rng);
    this.step = json.step;
    this.epoch = json.epoch;
    this.cursor = json.cursor ?? undefined;
    this.best = json.early.best ?? undefined;
    this.bestStep = json.early.bestStep;
    this.bad = json.early.bad;
    this.resumed = true;
  }
}
