#!/usr/bin/env node
// Builds the optional native GEMM accelerator: native/build/heed_gemm.node.
//
//   node packages/backend-cpu/native/build.mjs [--force] [--quiet] [--prebuilt]
//
// --prebuilt writes native/prebuilt/<platform>-<arch>/heed_gemm.node instead: the binary the
// package ships. Built here on Debian 12 it needs glibc >= 2.16 and the libstdc++ of GCC >= 12
// (GLIBCXX_3.4.30: Debian 12, Ubuntu 22.04, Fedora 36 and later) and Node-API 8 (Node >= 12.22);
// elsewhere it fails to load and the backend falls back (or builds from source, see install.mjs).
// (A statically linked libstdc++ would need glibc >= 2.36 instead, a narrower set.)
//
// Compiles with the system C++ compiler ($CXX, else g++, else clang++) against the Node-API
// headers of the running Node (<execPath>/../include/node, or $HEED_NODE_INCLUDE): no
// download, no node-gyp needed (binding.gyp is there for those who prefer node-gyp). The
// ISA-specific kernels carry their own target pragmas, so the binary runs on any x86-64.
//
// Not an install hook: a failure only means the backend falls back to WebAssembly. Exit
// status 0 when the addon is built (or up to date), 1 when it could not be built.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const srcDir = join(here, 'src');
const prebuilt = process.argv.includes('--prebuilt');
const outDir = prebuilt ? join(here, 'prebuilt', `${process.platform}-${process.arch}`) : join(here, 'build');
const output = join(outDir, 'heed_gemm.node');
const force = process.argv.includes('--force') || prebuilt;
const quiet = process.argv.includes('--quiet');
const log = (msg) => {
  if (!quiet) console.error(`[heed-native] ${msg}`);
};

function findIncludeDir() {
  const candidates = [
    process.env.HEED_NODE_INCLUDE,
    join(dirname(process.execPath), '..', 'include', 'node'),
    '/usr/include/node',
    '/usr/local/include/node',
  ].filter(Boolean);
  return candidates.find((dir) => existsSync(join(dir, 'node_api.h')));
}

function findCompiler() {
  for (const cxx of [process.env.CXX, 'g++', 'clang++'].filter(Boolean)) {
    const r = spawnSync(cxx, ['--version'], { encoding: 'utf8' });
    if (r.status === 0) return cxx;
  }
  return undefined;
}

/** Builds; returns the output path, or undefined (with the reason logged) on failure. */
export function buildNativeGemm({ force: forceBuild = false } = {}) {
  const sources = readdirSync(srcDir).filter((f) => f.endsWith('.cc')).map((f) => join(srcDir, f));
  const inputs = [...sources, ...readdirSync(srcDir).filter((f) => f.endsWith('.h')).map((f) => join(srcDir, f)), fileURLToPath(import.meta.url)];
  if (!forceBuild && existsSync(output)) {
    const built = statSync(output).mtimeMs;
    if (inputs.every((f) => statSync(f).mtimeMs <= built)) {
      log(`up to date: ${output}`);
      return output;
    }
  }
  if (process.platform === 'win32') {
    log('building with g++ is not supported on Windows; use node-gyp with binding.gyp');
    return undefined;
  }
  const include = findIncludeDir();
  if (!include) {
    log('Node-API headers not found (set HEED_NODE_INCLUDE); skipping');
    return undefined;
  }
  const cxx = findCompiler();
  if (!cxx) {
    log('no C++ compiler found (set CXX); skipping');
    return undefined;
  }
  mkdirSync(outDir, { recursive: true });
  const tmp = `${output}.${process.pid}.tmp`;
  const args = [
    '-std=c++17', '-O3', '-fPIC', '-shared', '-pthread', '-fvisibility=hidden', '-fno-math-errno',
    `-I${include}`, '-DNAPI_VERSION=8', '-DNODE_GYP_MODULE_NAME=heed_gemm',
    ...sources, '-o', tmp,
  ];
  if (process.platform === 'darwin') args.push('-undefined', 'dynamic_lookup');
  log(`${cxx} ${args.join(' ')}`);
  const r = spawnSync(cxx, args, { stdio: quiet ? 'pipe' : 'inherit', encoding: 'utf8' });
  if (r.status !== 0) {
    rmSync(tmp, { force: true });
    log(`compile failed${r.error ? `: ${r.error.message}` : ''}${quiet && r.stderr ? `\n${r.stderr}` : ''}`);
    return undefined;
  }
  renameSync(tmp, output); // atomic: a concurrent loader never sees a half-written file
  log(`built ${output}`);
  return output;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exit(buildNativeGemm({ force }) ? 0 : 1);
}
