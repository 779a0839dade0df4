import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));

describe('GemmEngine worker threads', () => {
  it('never keep a process alive (engine left undisposed after a threaded product)', () => {
    const entry = pathToFileURL(join(here, 'index.ts')).href;
    const script = `
      const { GemmEngine } = await import(${JSON.stringify(entry)});
      const e = GemmEngine.create({ threads: 2 });
      await e.ready();
      const m = 200, n = 200, k = 200;
      const a = new Float32Array(m * k).fill(1), b = new Float32Array(k * n).fill(2), c = new Float32Array(m * n);
      e.sgemm({ batch: 1, m, n, k, a, aOffset: 0, aBatchStride: 0, b, bOffset: 0, bBatchStride: 0, transA: false, transB: false, c, cOffset: 0 });
      console.log(JSON.stringify({ c0: c[0], threads: e.info.threads }));
    `;
    const dir = mkdtempSync(join(tmpdir(), 'heed-gemm-exit-'));
    const file = join(dir, 'child.mjs');
    writeFileSync(file, script);
    const r = spawnSync(process.execPath, ['--import', 'tsx', file], { encoding: 'utf8', timeout: 30_000, cwd: here });
    rmSync(dir, { recursive: true, force: true });
    expect(r.error, String(r.error)).toBeUndefined();
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim())).toEqual({ c0: 400, threads: 2 });
  }, 40_000);
});
