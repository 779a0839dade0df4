#!/usr/bin/env node
// Installs the packages as a new user would and checks that the app runs the native gemm.
//
//   node scripts/check-pack.mjs [--keep]
//
// Builds (tsc -b), `pnpm pack`s @heed/core, @heed/backend-cpu, @heed/layers and
// @heed/tokenizers, `npm install`s the tarballs into an empty scratch app (registry access for
// their third-party dependencies), then runs a plain `node` script there: a Linear layer and a
// 512³ matmul on the CPU backend. Fails unless the backend reports a native kernel and the
// addon came from the package's prebuilt binary (no source build in node_modules). Prints one
// JSON line with the kernel, the addon's path and the matmul speed. --keep leaves the scratch
// folder (printed) for inspection.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const keep = process.argv.includes('--keep');
const scratch = mkdtempSync(join(tmpdir(), 'heed-pack-'));
const packs = join(scratch, 'packs');
const app = join(scratch, 'app');

function run(cmd, args, cwd) {
  const r = spawnSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) {
    console.error(`${cmd} ${args.join(' ')} (in ${cwd}) failed:\n${r.stdout}\n${r.stderr}`);
    process.exit(1);
  }
  return r.stdout;
}

let status = 0;
try {
  run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b'], root);
  for (const pkg of ['core', 'backend-cpu', 'layers', 'tokenizers']) run('pnpm', ['pack', '--pack-destination', packs], join(root, 'packages', pkg));
  const tarballs = readdirSync(packs).filter((f) => f.endsWith('.tgz')).map((f) => join(packs, f));
  run('mkdir', ['-p', app], scratch);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'heed-pack-check', private: true, type: 'module' }));
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs], app);
  writeFileSync(
    join(app, 'main.mjs'),
    `import { createHeed, ops } from '@heed/core';
import { cpuBackendModule } from '@heed/backend-cpu';
import { Linear } from '@heed/layers';
const heed = await createHeed({ plugins: [cpuBackendModule], setActive: true });
const y = new Linear(4, 3, { seed: 1 }).forward(ops.randomNormal([2, 4], 0, 1, { seed: 2 }));
if (y.shape.join() !== '2,3') throw new Error('Linear gave ' + y.shape);
const a = ops.randomNormal([512, 512], 0, 1), b = ops.randomNormal([512, 512], 0, 1);
for (let i = 0; i < 3; i++) ops.matmul(a, b).dispose();
const t = [];
for (let i = 0; i < 15; i++) { const t0 = performance.now(); ops.matmul(a, b).dispose(); t.push(performance.now() - t0); }
t.sort((x, z) => x - z);
console.log(JSON.stringify({ ...heed.engine.backend.info, gflops_512: Number((2 * 512 ** 3 / t[7] / 1e6).toFixed(1)) }));
heed.dispose();
`,
  );
  const out = JSON.parse(run(process.execPath, ['main.mjs'], app).trim().split('\n').pop());
  const pkgDir = join(app, 'node_modules', '@heed', 'backend-cpu');
  const prebuilt = join(pkgDir, 'native', 'prebuilt', `${process.platform}-${process.arch}`, 'heed_gemm.node');
  const sourceBuild = existsSync(join(pkgDir, 'native', 'build', 'heed_gemm.node'));
  const result = { ...out, prebuilt_shipped: existsSync(prebuilt), source_build_in_node_modules: sourceBuild, scratch: keep ? scratch : undefined };
  console.log(JSON.stringify(result));
  if (!String(out.kernel).startsWith('native-')) {
    console.error('[check-pack] the installed app does not run the native gemm');
    status = 1;
  } else if (!result.prebuilt_shipped || sourceBuild) {
    console.error('[check-pack] the native gemm did not come from the shipped prebuilt binary');
    status = 1;
  }
} finally {
  if (!keep) rmSync(scratch, { recursive: true, force: true });
}
process.exit(status);
