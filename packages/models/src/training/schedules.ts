/**
 * Learning-rate schedules: pure functions of the optimizer step, so a schedule's whole
 * state for resuming is the step number, and `config` (JSON) lets a checkpoint record which
 * schedule was running. Steps are counted from 1: `at(t)` is the rate of the t-th update.
 */
import { ArgumentError } from '@heed/core';

/** A schedule's JSON description, recorded in checkpoints and compared on resume. */
export interface ScheduleConfig {
  readonly type: string;
  readonly [param: string]: number | string;
}

/** A learning-rate schedule. */
export interface LRSchedule {
  /** The learning rate of optimizer step `step` (1 for the first update). */
  at(step: number): number;
  /** What the schedule is (type and parameters), JSON-serialisable. */
  readonly config: ScheduleConfig;
}

function positive(what: string, v: number): void {
  if (!(typeof v === 'number' && Number.isFinite(v) && v > 0)) throw new ArgumentError(`${what} must be a positive number, got ${v}`);
}

function count(what: string, v: number, min: number): void {
  if (!(Number.isInteger(v) && v >= min)) throw new ArgumentError(`${what} must be an integer >= ${min}, got ${v}`);
}

function stepOf(step: number): number {
  if (!(Number.isInteger(step) && step >= 1)) throw new ArgumentError(`schedule: step must be an integer >= 1 (steps count from 1), got ${step}`);
  return step;
}

/** The same rate at every step. */
export function constantSchedule(lr: number): LRSchedule {
  positive('constantSchedule: lr', lr);
  return { config: { type: 'constant', lr }, at: (step) => (stepOf(step), lr) };
}

/** Options of `warmupSchedule`. */
export interface WarmupScheduleOptions {
  /** The rate reached at the end of warm-up. */
  peak: number;
  /** Steps of linear warm-up: step t ≤ warmupSteps gets peak·t/warmupSteps (0 = no warm-up). */
  warmupSteps: number;
  /** The step at which decay reaches `floor` (the planned length of training). */
  totalSteps: number;
  /** 'linear' (default) or 'cosine' decay from `peak` to `floor` over (warmupSteps, totalSteps]; 'none' keeps `peak`. */
  decay?: 'linear' | 'cosine' | 'none';
  /** The rate at and after `totalSteps` (default 0). */
  floor?: number;
}

/**
 * Linear warm-up to `peak`, then linear or cosine decay to `floor` at `totalSteps` (the
 * schedules of Hugging Face's `get_linear_schedule_with_warmup` and
 * `get_cosine_schedule_with_warmup`, with steps counted from 1). With p the fraction of the
 * decay phase done, linear gives floor + (peak − floor)·(1 − p) and cosine
 * floor + (peak − floor)·(1 + cos πp)/2.
 */
export function warmupSchedule(options: WarmupScheduleOptions): LRSchedule {
  const { peak, warmupSteps, totalSteps } = options;
  const decay = options.decay ?? 'linear';
  const floor = options.floor ?? 0;
  positive('warmupSchedule: peak', peak);
  count('warmupSchedule: warmupSteps', warmupSteps, 0);
  count('warmupSchedule: totalSteps', totalSteps, Math.max(1, warmupSteps));
  if (!(floor >= 0 && floor <= peak)) throw new ArgumentError(`warmupSchedule: floor must be in [0, peak], got ${floor}`);
  if (decay !== 'linear' && decay !== 'cosine' && decay !== 'none') {
    throw new ArgumentError(`warmupSchedule: decay must be 'linear', 'cosine' or 'none', got ${String(decay)}`);
  }
  return {
    config: { type: 'warmup', peak, warmupSteps, totalSteps, decay, floor },
    at(step) {
      const t = stepOf(step);
      if (t <= warmupSteps) return (peak * t) / warmupSteps;
      if (decay === 'none') return peak;
      if (t >= totalSteps) return floor;
      const p = (t - warmupSteps) / (totalSteps - warmupSteps);
      const shape = decay === 'linear' ? 1 - p : 0.5 * (1 + Math.cos(Math.PI * p));
      return floor + (peak - floor) * shape;
    },
  };
}

/** Options of `inverseSqrtSchedule`. */
export interface InverseSqrtScheduleOptions {
  /** The model width d (the rate scales with d^−0.5). */
  dModel: number;
  /** Warm-up steps (4000 in the paper). */
  warmupSteps: number;
  /** A multiplier on the whole schedule (default 1). */
  factor?: number;
}

/**
 * The Transformer paper's schedule (Vaswani et al. 2017, §5.3):
 * lr = factor · d^−0.5 · min(t^−0.5, t · warmup^−1.5): linear warm-up, then decay ∝ 1/√t.
 */
export function inverseSqrtSchedule(options: InverseSqrtScheduleOptions): LRSchedule {
  const { dModel, warmupSteps } = options;
  const factor = options.factor ?? 1;
  count('inverseSqrtSchedule: dModel', dModel, 1);
  count('inverseSqrtSchedule: warmupSteps', warmupSteps, 1);
  positive('inverseSqrtSchedule: factor', factor);
  return {
    config: { type: 'inverse-sqrt', dModel, warmupSteps, factor },
    at(step) {
      const t = stepOf(step);
      return factor * dModel ** -0.5 * Math.min(t ** -0.5, t * warmupSteps ** -1.5);
    },
  };
}
