/**
 * Bundles the page with esbuild into `outdir` (index.html + main.js). The workspace
 * packages are resolved from their TypeScript sources (the "source" export condition).
 */
import { build } from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** Builds the page into `outdir`; returns esbuild's warnings as text. */
export async function buildPage(outdir: string): Promise<string[]> {
  await mkdir(outdir, { recursive: true });
  const r = await build({
    entryPoints: [join(here, 'main.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['source'],
    outfile: join(outdir, 'main.js'),
    sourcemap: true,
    logLevel: 'silent',
    tsconfigRaw: { compilerOptions: { experimentalDecorators: true } },
  });
  await copyFile(join(here, '..', 'index.html'), join(outdir, 'index.html'));
  return r.warnings.map((w) => w.text);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = process.argv[2] ?? join(here, '..', 'dist', 'page');
  const warnings = await buildPage(out);
  for (const w of warnings) console.warn(`warning: ${w}`);
  console.log(`built ${out}`);
}
