/**
 * The Trainer's progress display (Node): a live bar drawn by `cli-progress` when the stream
 * is a TTY, plain lines otherwise (logs, CI). Both show step, loss, learning rate, tokens/s
 * and the ETA; evaluations and checkpoints get a line of their own.
 */
import cliProgress from 'cli-progress';
import type { StepEvent, TrainerEvent, TrainerListener } from './events.js';

/** Options of `progressRenderer`. */
export interface ProgressOptions {
  /** Where to draw (default `process.stderr`). */
  stream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Without a TTY, print a line every `every` steps (default 10) and at the last step. */
  every?: number;
}

/** Seconds as `1h02m`, `3m05s` or `42s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

/** One step as a plain line: `step 120/1000  epoch 1  loss 2.3456  lr 1.00e-3  1,234 tok/s  ETA 1m20s`. */
export function formatStep(e: StepEvent): string {
  const parts = [
    `step ${e.step}${e.totalSteps === undefined ? '' : `/${e.totalSteps}`}`,
    `epoch ${e.epoch}`,
    `loss ${e.loss.toFixed(4)}`,
    `lr ${e.lr.toExponential(2)}`,
    `${Math.round(e.tokensPerSecond).toLocaleString('en-US')} tok/s`,
  ];
  if (e.gradNorm !== undefined) parts.push(`|g| ${e.gradNorm.toFixed(3)}`);
  if (e.eta !== undefined) parts.push(`ETA ${formatDuration(e.eta)}`);
  return parts.join('  ');
}

function otherLine(e: TrainerEvent): string | undefined {
  switch (e.type) {
    case 'start': {
      const of = e.totalSteps === undefined ? '' : ` of ${e.totalSteps} steps`;
      return `${e.resumed ? 'resuming' : 'training'} at step ${e.step}, epoch ${e.epoch}${of}`;
    }
    case 'eval':
      return `eval at step ${e.step}: ${e.metric.toPrecision(5)}${e.improved ? ' (best)' : ` (best ${e.best.toPrecision(5)} at step ${e.bestStep})`}`;
    case 'checkpoint':
      return `checkpoint at step ${e.step}: ${e.path}`;
    case 'end':
      return `stopped at step ${e.step} (${e.reason}) after ${formatDuration(e.elapsed)}`;
    default:
      return undefined;
  }
}

/** A listener that renders progress: a `cli-progress` bar on a TTY (when the total is known), plain lines otherwise. */
export function progressRenderer(options: ProgressOptions = {}): TrainerListener {
  const stream = options.stream ?? process.stderr;
  const every = options.every ?? 10;
  let bar: cliProgress.SingleBar | undefined;
  const line = (s: string): void => {
    stream.write(`${s}\n`);
  };
  return (e) => {
    if (e.type === 'start' && stream.isTTY && e.totalSteps !== undefined) {
      bar = new cliProgress.SingleBar(
        {
          stream: stream as NodeJS.WriteStream,
          format: '{bar} {value}/{total} | loss {loss} | lr {lr} | {tps} tok/s | ETA {etaText}',
          hideCursor: false,
          barsize: 30,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(e.totalSteps, e.step, { loss: '-', lr: '-', tps: '-', etaText: '?' });
      return;
    }
    if (e.type === 'step') {
      if (bar) {
        const tps = Math.round(e.tokensPerSecond).toLocaleString('en-US');
        bar.update(e.step, { loss: e.loss.toFixed(4), lr: e.lr.toExponential(2), tps, etaText: formatDuration(e.eta ?? NaN) });
      } else if (e.step % every === 0 || e.step === e.totalSteps) {
        line(formatStep(e));
      }
      return;
    }
    const text = otherLine(e);
    if (e.type === 'end' && bar) {
      bar.stop();
      bar = undefined;
    }
    if (text !== undefined && !(bar && e.type === 'start')) {
      if (bar) stream.write('\n');
      line(text);
    }
  };
}
