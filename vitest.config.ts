import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// One vitest project per workspace package. Packages are tested against each other's
// sources through the "source" export condition, so no build is needed first.
// Paths are resolved from this file, so vitest also works when started inside a package.
const root = fileURLToPath(new URL('.', import.meta.url));
const projectDirs = ['packages', 'examples'].flatMap((dir) =>
  existsSync(join(root, dir))
    ? readdirSync(join(root, dir))
        .filter((name) => existsSync(join(root, dir, name, 'package.json')))
        .map((name) => join(root, dir, name))
    : [],
);

export default defineConfig({
  // Decorators are TypeScript's legacy ones (inversify 8 needs them); tell Vite's oxc transform.
  oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } },
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    testTimeout: 120_000,
    hookTimeout: 60_000,
    projects: projectDirs.map((dir) => ({
      extends: true,
      test: { name: dir.split('/').at(-1)!, root: dir, include: ['src/**/*.test.ts', 'test/**/*.test.ts'] },
    })),
  },
});
