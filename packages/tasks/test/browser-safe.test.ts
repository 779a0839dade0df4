/** The main entry stays browser-safe: no file it reaches in this package imports Node modules or a `*-node` file. */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '../src');

/** This package's files reachable from `entry` through relative imports, with every import specifier they name. */
function reachable(entry: string): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    const text = readFileSync(file, 'utf8');
    const specs = [...text.matchAll(/(?:import|export)\s[^;]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g)].map((m) => m[1] ?? m[2]!);
    seen.set(file, specs);
    for (const s of specs) if (s.startsWith('.')) visit(resolve(dirname(file), s.replace(/\.js$/, '.ts')));
  };
  visit(entry);
  return seen;
}

describe('browser safety', () => {
  it('the main entry reaches no Node module, no *-node file and not the CLI; the node entry does reach the readers', () => {
    const files = reachable(join(SRC, 'index.ts'));
    expect(files.size).toBeGreaterThan(20);
    for (const [file, specs] of files) {
      expect(file).not.toMatch(/-node\.ts$|\/cli\//);
      for (const s of specs)
        expect([file, s]).not.toEqual([file, expect.stringMatching(/^node:|^(fs|path|zlib|readline|cli-progress|commander)$|\/node$|-node\.js$/)]);
    }
    expect([...reachable(join(SRC, 'node.ts')).keys()].some((f) => f.endsWith('files-node.ts'))).toBe(true);
  });
});
