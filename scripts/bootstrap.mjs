#!/usr/bin/env node
// Makes a fresh machine (Node 20 + npm only) ready, then runs a task:
//   node scripts/bootstrap.mjs demo   -> the demo
//   node scripts/bootstrap.mjs test   -> the whole test suite, ending with "N passed, N failed"
//   node scripts/bootstrap.mjs        -> install only
// It installs the pinned pnpm when missing and the workspace's dependencies (from the
// lockfile). onnxruntime-node's postinstall only fetches CUDA libraries from the internet
// and is not needed (its CPU libraries ship in the package), so it is skipped.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PNPM_VERSION = '12.21.0';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip', npm_config_update_notifier: 'false' };

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, env, ...options });
  return r.status ?? 1;
}

function pnpmVersion() {
  const r = spawnSync('pnpm', ['--version'], { cwd: root, env, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** Returns the command prefix that runs the pinned pnpm. */
function ensurePnpm() {
  if (pnpmVersion() === PNPM_VERSION) return ['pnpm'];
  console.error(`[bootstrap] installing pnpm@${PNPM_VERSION} with npm`);
  if (run('npm', ['install', '--global', `pnpm@${PNPM_VERSION}`], { stdio: ['ignore', 'ignore', 'inherit'] }) === 0 && pnpmVersion() === PNPM_VERSION) {
    return ['pnpm'];
  }
  console.error('[bootstrap] a global install was not possible; using npx');
  return ['npx', '--yes', `pnpm@${PNPM_VERSION}`];
}

const [pnpm, ...pnpmPrefix] = ensurePnpm();
if (run(pnpm, [...pnpmPrefix, 'install', '--frozen-lockfile', '--reporter=silent']) !== 0) {
  console.error('[bootstrap] pnpm install failed');
  process.exit(1);
}

// Optional native gemm accelerator (AVX-512/AVX2, Node only). It is a no-op when up to date;
// when no compiler is available the CPU backend uses its WebAssembly engine instead.
if (run(process.execPath, [join(root, 'packages/backend-cpu/native/build.mjs'), '--quiet']) !== 0) {
  console.error('[bootstrap] native gemm not built; the CPU backend will use WebAssembly');
}

const task = process.argv[2];
if (task === 'demo') {
  process.exit(run(pnpm, [...pnpmPrefix, '--filter', '@heed/example-sentiment', 'start']));
} else if (task === 'test') {
  // The WebGPU tests run for real: Mesa >= 25 lavapipe for Dawn in Node and Chromium for the
  // browser example (installed when missing; quick when present). Its variables
  // (VK_ICD_FILENAMES, LD_LIBRARY_PATH) go into the tests' environment.
  const { prepareWebGpuEnv } = await import('./webgpu-env.mjs');
  Object.assign(env, await prepareWebGpuEnv());
  process.exit(run(process.execPath, [join(root, 'scripts', 'test.mjs'), ...process.argv.slice(3)]));
} else if (task) {
  console.error(`[bootstrap] unknown task "${task}"; use demo or test`);
  process.exit(2);
}
