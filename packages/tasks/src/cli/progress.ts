/** Progress bars for long CLI work (cli-progress on stderr; silent when stderr is not a terminal). */
import cliProgress from 'cli-progress';

/** A progress bar over `total` items; `tick(n)` advances it, `stop()` ends it. */
export interface Progress {
  tick(n?: number): void;
  stop(): void;
}

/** Starts a progress bar labelled `label` over `total` items. */
export function progressBar(label: string, total: number): Progress {
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {value}/{total} {percentage}% | {eta_formatted} left`, stream: process.stderr, hideCursor: true, etaBuffer: 50 },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    tick: (n = 1) => bar.increment(n),
    stop: () => bar.stop(),
  };
}
