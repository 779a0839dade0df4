import { defineConfig } from 'vitest/config';

// Packages are tested against each other's sources through the "source" export condition,
// so no build is needed before the tests run.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    projects: ['packages/*', 'examples/*'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
