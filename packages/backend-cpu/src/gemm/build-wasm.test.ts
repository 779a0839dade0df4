import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: plain .mjs build script without type declarations
import { buildGeneratedSource, generatedPath } from '../../scripts/build-wasm.mjs';

describe('kernel-wasm.generated.ts', () => {
  it('is byte-identical to a fresh build of asm/*.ts', async () => {
    const fresh: string = await buildGeneratedSource();
    const committed = readFileSync(generatedPath as string, 'utf8');
    expect(committed === fresh, 'stale generated wasm: run `node packages/backend-cpu/scripts/build-wasm.mjs`').toBe(true);
  }, 60_000);
});
