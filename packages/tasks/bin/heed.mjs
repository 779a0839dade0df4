#!/usr/bin/env node
// The `heed` executable: the built CLI (run `tsc -b` first), or, in the repository, `pnpm heed` runs the sources.
await import('../dist/cli/bin.js');
