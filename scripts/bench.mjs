#!/usr/bin/env node
// `pnpm bench <suite>`: runs every packages/*/bench/<suite>.bench.ts (TypeScript sources,
// through tsx and the "source" export condition) and passes its JSON lines through.
import { readdirSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const suite = process.argv[2];
const found = [];
for (const dir of ['packages', 'examples']) {
  for (const pkg of readdirSync(join(root, dir))) {
    const benchDir = join(root, dir, pkg, 'bench');
    if (!existsSync(benchDir)) continue;
    for (const file of readdirSync(benchDir)) {
      const m = /^(.+)\.bench\.ts$/.exec(file);
      if (m) found.push({ name: m[1], path: join(benchDir, file) });
    }
  }
}
const matches = found.filter((f) => f.name === suite);
if (!suite || matches.length === 0) {
  const names = [...new Set(found.map((f) => f.name))].sort();
  console.error(`usage: pnpm bench <suite>; suites: ${names.join(', ') || '(none)'}`);
  process.exit(2);
}
let status = 0;
for (const m of matches) {
  const r = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', m.path, ...process.argv.slice(3)], {
    stdio: 'inherit',
    cwd: root,
  });
  status ||= r.status ?? 1;
}
process.exit(status);
