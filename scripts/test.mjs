#!/usr/bin/env node
// Runs the whole vitest suite (every package and example), then prints the plain summary
// line CI reads: "N passed, N failed". Extra arguments go to vitest (e.g. a path filter).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const report = join(root, '.vitest-results.json');
rmSync(report, { force: true });
// Type-check every package first (tsc -b with project references); a type error is a failure.
// Then the tests themselves (tsconfig.tests.json: every test file, against the packages' sources).
const tscBin = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const tsc = spawnSync(process.execPath, [tscBin, '-b'], { cwd: root, stdio: 'inherit' });
const tscTests = spawnSync(process.execPath, [tscBin, '-p', 'tsconfig.tests.json'], { cwd: root, stdio: 'inherit' });
const typeFailures = (tsc.status === 0 ? 0 : 1) + (tscTests.status === 0 ? 0 : 1);
if (tsc.status !== 0) console.error('[test] tsc -b reported type errors');
if (tscTests.status !== 0) console.error('[test] tsc -p tsconfig.tests.json reported type errors in tests');
const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
const r = spawnSync(process.execPath, [vitest, 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
});
let passed = 0;
let failed = 0;
if (existsSync(report)) {
  const json = JSON.parse(readFileSync(report, 'utf8'));
  passed = json.numPassedTests ?? 0;
  // Suites that failed to load count as failures too, so a broken file cannot pass silently.
  failed = (json.numFailedTests ?? 0) + (json.testResults ?? []).filter((f) => f.status === 'failed' && (f.assertionResults ?? []).length === 0).length;
} else {
  failed = 1;
}
if (r.status !== 0 && failed === 0) failed = 1;
failed += typeFailures;
const summary = `${passed} passed, ${failed} failed`;
writeFileSync(join(root, '.vitest-summary'), `${summary}\n`);
console.log(summary);
process.exit(failed === 0 && r.status === 0 ? 0 : 1);
