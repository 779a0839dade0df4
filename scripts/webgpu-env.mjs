#!/usr/bin/env node
// Prepares what the WebGPU tests need on a machine without a GPU, and returns the
// environment variables to run them with:
//   * Mesa >= 25's lavapipe (software Vulkan) for Dawn in Node (`webgpu` package). Debian
//     12's own mesa-vulkan-drivers (22.3) is too old: requestAdapter() returns null. As
//     root, it adds a deb822 source for <codename>-backports (same mirror as the existing
//     Debian sources) and installs mesa-vulkan-drivers from there. Without root (or with
//     HEED_WEBGPU_LOCAL=1), it downloads the .debs through a private apt state under
//     .webgpu-env/ (git-ignored), unpacks them there and points VK_ICD_FILENAMES and
//     LD_LIBRARY_PATH at them (libvulkan1 must be installed).
//   * Debian's `chromium` for the browser example's test (apt-get install chromium).
// Idempotent and quick when everything is present (two file checks and a dpkg query).
//
//   import { prepareWebGpuEnv } from './webgpu-env.mjs'; const vars = await prepareWebGpuEnv();
//   node scripts/webgpu-env.mjs          -> prepares, then prints `export VAR=...` lines
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// Inside node_modules so that it is ignored by git without touching .gitignore.
const localDir = join(root, 'node_modules', '.cache', 'heed-webgpu-env');
const MIN_MESA = 25;

function sh(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, ...options });
  return { ok: r.status === 0, out: (r.stdout ?? '').trim(), err: (r.stderr ?? '').trim() };
}

const log = (msg) => console.error(`[webgpu-env] ${msg}`);
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

function codename() {
  try {
    return /VERSION_CODENAME=(\w+)/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? 'bookworm';
  } catch {
    return 'bookworm';
  }
}

function mesaMajor() {
  const r = sh('dpkg-query', ['-W', '-f=${Version}', 'mesa-vulkan-drivers']);
  return r.ok ? Number.parseInt(r.out.replace(/^\d+:/, ''), 10) : 0;
}

function findIcd(dir) {
  if (!existsSync(dir)) return undefined;
  const f = readdirSync(dir).find((n) => /^lvp_icd.*\.json$/.test(n));
  return f ? join(dir, f) : undefined;
}

/** The mirror URI of the machine's Debian sources (deb822 or one-line format). */
function debianMirror() {
  for (const file of ['/etc/apt/sources.list.d/debian.sources', '/etc/apt/sources.list']) {
    if (!existsSync(file)) continue;
    const text = readFileSync(file, 'utf8');
    const m = /^URIs:\s*(\S+\/debian)\s*$/m.exec(text) ?? /^deb\s+(?:\[[^\]]*\]\s+)?(\S+\/debian)\s/m.exec(text);
    if (m) return m[1];
  }
  return 'http://deb.debian.org/debian';
}

function backportsSource(suite) {
  return `Types: deb\nURIs: ${debianMirror()}\nSuites: ${suite}\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n`;
}

let aptUpdated = false;
function aptInstall(args, what) {
  if (!aptUpdated) {
    log('apt-get update');
    const u = sh('apt-get', ['update', '-q']);
    if (!u.ok) log(`apt-get update failed: ${u.err.slice(-400)}`);
    aptUpdated = true;
  }
  log(`installing ${what}`);
  const r = sh('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...args]);
  if (!r.ok) throw new Error(`apt-get install ${args.join(' ')} failed: ${r.err.slice(-800)}`);
}

/** System-wide Mesa >= 25 from backports (root). Returns the ICD path. */
function systemMesa(suite) {
  const icd = findIcd('/usr/share/vulkan/icd.d');
  if (mesaMajor() >= MIN_MESA && icd) return icd;
  const list = `/etc/apt/sources.list.d/${suite}.sources`;
  if (!existsSync(list)) {
    writeFileSync(list, backportsSource(suite));
    aptUpdated = false;
  }
  aptInstall(['-t', suite, 'mesa-vulkan-drivers', 'libvulkan1'], `mesa-vulkan-drivers from ${suite}`);
  const after = findIcd('/usr/share/vulkan/icd.d');
  if (mesaMajor() < MIN_MESA || !after) throw new Error(`mesa-vulkan-drivers >= ${MIN_MESA} did not install`);
  return after;
}

/** Project-local Mesa >= 25: .debs from backports unpacked under .webgpu-env/ (no root needed). */
function localMesa(suite) {
  const mesaRoot = join(localDir, 'mesa');
  const icdPath = join(localDir, 'lvp_icd.json');
  const libDir = join(mesaRoot, 'usr/lib/x86_64-linux-gnu');
  if (existsSync(icdPath) && existsSync(join(libDir, 'libvulkan_lvp.so'))) return { icd: icdPath, libDir };
  const state = join(localDir, 'apt');
  for (const d of ['lists/partial', 'cache/archives/partial', 'etc/sources.list.d', 'debs']) mkdirSync(join(state, d), { recursive: true });
  writeFileSync(join(state, 'etc/sources.list.d', `${suite}.sources`), backportsSource(suite));
  const opts = [
    `-o`, `Dir::State::Lists=${join(state, 'lists')}`,
    `-o`, `Dir::Cache=${join(state, 'cache')}`,
    `-o`, `Dir::Etc::SourceList=/dev/null`,
    `-o`, `Dir::Etc::SourceParts=${join(state, 'etc/sources.list.d')}`,
    `-o`, `Debug::NoLocking=1`,
  ];
  log(`downloading Mesa from ${suite} into ${localDir}`);
  const u = sh('apt-get', [...opts, 'update', '-q']);
  if (!u.ok) throw new Error(`apt-get update (private) failed: ${u.err.slice(-400)}`);
  // Its other dependencies (libllvm15, libvulkan1, X/xcb libraries) come from the stock suite and must be installed.
  const pkgs = ['mesa-vulkan-drivers', 'libdrm2', 'libdrm-amdgpu1'];
  const dl = sh('apt-get', [...opts, 'download', ...pkgs], { cwd: join(state, 'debs') });
  if (!dl.ok) throw new Error(`apt-get download failed: ${dl.err.slice(-400)}`);
  for (const deb of readdirSync(join(state, 'debs')).filter((f) => f.endsWith('.deb'))) {
    const x = sh('dpkg-deb', ['-x', join(state, 'debs', deb), mesaRoot]);
    if (!x.ok) throw new Error(`dpkg-deb -x ${deb} failed: ${x.err}`);
  }
  writeFileSync(icdPath, JSON.stringify({ file_format_version: '1.0.1', ICD: { library_path: join(libDir, 'libvulkan_lvp.so'), api_version: '1.4.0' } }, null, 2));
  return { icd: icdPath, libDir };
}

function ensureChromium() {
  if (existsSync('/usr/bin/chromium')) return;
  if (!isRoot) {
    log('chromium is missing and this is not root: install it with `apt-get install chromium`');
    return;
  }
  aptInstall(['chromium'], 'chromium');
}

/**
 * Makes lavapipe (Mesa >= 25) and Chromium available; returns the environment variables
 * the tests need (VK_ICD_FILENAMES, and LD_LIBRARY_PATH for the project-local install).
 */
export async function prepareWebGpuEnv() {
  if (process.platform !== 'linux' || process.env.HEED_WEBGPU_ENV === 'skip') return {};
  const suite = `${codename()}-backports`;
  const vars = {};
  try {
    if (isRoot && process.env.HEED_WEBGPU_LOCAL !== '1') {
      vars.VK_ICD_FILENAMES = systemMesa(suite);
    } else {
      const { icd, libDir } = localMesa(suite);
      vars.VK_ICD_FILENAMES = icd;
      vars.LD_LIBRARY_PATH = [libDir, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
    }
  } catch (e) {
    log(`could not prepare Mesa lavapipe: ${e.message}`);
  }
  try {
    ensureChromium();
  } catch (e) {
    log(`could not install chromium: ${e.message}`);
  }
  return vars;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const vars = await prepareWebGpuEnv();
  for (const [k, v] of Object.entries(vars)) console.log(`export ${k}=${JSON.stringify(v)}`);
}
