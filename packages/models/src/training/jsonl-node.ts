/** A JSON-lines log of Trainer events (Node): one event per line, appended, so a resumed run continues the same file. */
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { TrainerListener } from './events.js';

/** A listener appending each event, with a wall-clock `time` (ISO 8601), as one JSON line to `path`. */
export function jsonlLog(path: string): TrainerListener {
  let ready: Promise<unknown> | undefined;
  return async (e) => {
    ready ??= mkdir(dirname(path), { recursive: true });
    await ready;
    await appendFile(path, `${JSON.stringify({ time: new Date().toISOString(), ...e })}\n`);
  };
}
