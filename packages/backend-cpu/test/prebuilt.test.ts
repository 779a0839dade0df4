/**
 * The addon shipped in the package (native/prebuilt/linux-x64) against the sources: it loads
 * on this machine and exports every function a fresh source build exports, so a release never
 * ships a binary that silently lacks a kernel (the backend would fall back to slower paths).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const at = (rel: string): string => fileURLToPath(new URL(rel, import.meta.url));
const prebuilt = at('../native/prebuilt/linux-x64/heed_gemm.node');
const source = at('../native/build/heed_gemm.node');

describe('prebuilt linux-x64 addon', () => {
  it('is shipped', () => {
    expect(existsSync(prebuilt)).toBe(true);
  });
  it('exports what the source build exports (when this machine can load both)', () => {
    if (process.platform !== 'linux' || process.arch !== 'x64' || !existsSync(source)) {
      // Nothing to compare against here; the file itself must still be there (above).
      return expect(existsSync(prebuilt)).toBe(true);
    }
    const shipped = Object.keys(require(prebuilt) as object).sort();
    const built = Object.keys(require(source) as object).sort();
    expect(shipped).toEqual(built);
    expect(shipped).toContain('sgemm');
  });
});
