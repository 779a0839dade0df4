import { readdirSync, existsSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// One vitest project per workspace package. Packages are tested against each other's
// sources through the "source" export condition, so no build is needed first.
const projectDirs = ['packages', 'examples'].flatMap((dir) =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((name) => existsSync(`${dir}/${name}/package.json`))
        .map((name) => `${dir}/${name}`)
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
    projects: projectDirs.map((root) => ({
      extends: true,
      test: { name: root.split('/')[1]!, root, include: ['src/**/*.test.ts', 'test/**/*.test.ts'] },
    })),
  },
});
