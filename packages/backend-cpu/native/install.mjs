#!/usr/bin/env node
// Install hook of @heed/backend-cpu: makes sure a native gemm addon is there when it can be.
//
// 1. The package ships a prebuilt addon for linux-x64 (native/prebuilt/linux-x64). If the one
//    for this platform loads, there is nothing to do.
// 2. Otherwise (another platform, or an older C++ runtime than the binary needs) it tries to
//    build from source with the system compiler (native/build.mjs: no download, no node-gyp).
// 3. If that fails too, the backend uses its WebAssembly engine. This script never fails the
//    install (exit status 0 always); HEED_SKIP_NATIVE_BUILD=1 skips step 2.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const loads = (path) => {
  if (!existsSync(path)) return false;
  try {
    return typeof require(path).sgemm === 'function';
  } catch {
    return false;
  }
};

try {
  const prebuilt = join(here, 'prebuilt', `${process.platform}-${process.arch}`, 'heed_gemm.node');
  if (loads(prebuilt) || loads(join(here, 'build', 'heed_gemm.node'))) process.exit(0);
  if (process.env.HEED_SKIP_NATIVE_BUILD === '1') process.exit(0);
  const { buildNativeGemm } = await import('./build.mjs');
  if (!buildNativeGemm()) console.error('[heed-native] no native addon: @heed/backend-cpu will use WebAssembly');
} catch (err) {
  console.error(`[heed-native] install step skipped: ${err instanceof Error ? err.message : String(err)}`);
}
process.exit(0);
