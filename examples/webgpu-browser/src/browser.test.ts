/**
 * Serves the bundled page on localhost and drives Debian's Chromium headless with
 * playwright-core. The first test needs a real WebGPU adapter in the page (SwiftShader,
 * enabled by --enable-unsafe-webgpu) and fails rather than skips without one; the second
 * hides navigator.gpu and checks the page's CPU fallback. Both compare the page's numbers
 * with the CPU backend run here in Node.
 */
import { CpuBackend } from '@heed/backend-cpu';
import { Engine } from '@heed/core';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPage } from './build-page.js';
import type { PageResult } from './main.js';
import { MODEL, runModel } from './model.js';
import { servePage } from './serve.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--enable-unsafe-webgpu'];

describe('webgpu browser example', () => {
  let dir: string;
  let server: { url: string; close(): Promise<void> };
  let expected: Float32Array;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'heed-page-'));
    await buildPage(join(dir, 'page'));
    server = await servePage(join(dir, 'page'));
    const engine = new Engine(new CpuBackend({ threads: 1 }));
    expected = await runModel(engine);
    engine.dispose();
  });
  afterAll(async () => {
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function runPage(hideGpu: boolean): Promise<{ result: PageResult; shown: string }> {
    const profile = await mkdtemp(join(dir, 'profile-'));
    const context: BrowserContext = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS });
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      if (hideGpu) await page.addInitScript(() => Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined, configurable: true }));
      const logs: string[] = [];
      page.on('console', (m) => logs.push(m.text()));
      page.on('pageerror', (e) => logs.push(String(e)));
      await page.goto(server.url);
      await page.waitForFunction(() => window.heedResult !== undefined, undefined, { timeout: 60_000 });
      const result = (await page.evaluate(() => window.heedResult)) as PageResult;
      if (result.error) throw new Error(`page failed: ${result.error}\n${logs.join('\n')}`);
      const shown = (await page.textContent('#backend')) ?? '';
      return { result, shown };
    } finally {
      await context.close();
    }
  }

  function expectClose(got: number[]): void {
    expect(got.length).toBe(MODEL.seq * MODEL.vocab);
    let worst = 0;
    for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - expected[i]!));
    expect(worst).toBeLessThan(1e-4);
    // Each row is a distribution.
    for (let r = 0; r < MODEL.seq; r++) expect(got.slice(r * MODEL.vocab, (r + 1) * MODEL.vocab).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
  }

  it('runs the forward pass on WebGPU in Chromium and matches the CPU backend', async () => {
    const { result, shown } = await runPage(false);
    expect(result.hasNavigatorGpu).toBe(true);
    expect(result.backend).toBe('webgpu');
    expect(shown).toBe('webgpu');
    expectClose(result.probs);
  });

  it('falls back to the CPU backend when navigator.gpu is missing', async () => {
    const { result, shown } = await runPage(true);
    expect(result.hasNavigatorGpu).toBe(false);
    expect(result.backend).toBe('cpu');
    expect(shown).toBe('cpu');
    expectClose(result.probs);
  });
});
