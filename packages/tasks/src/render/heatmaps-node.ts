/** Writes a translation's attention maps as SVG and PNG files (Node). */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@heed/core/node';
import type { AttentionMaps } from '../pipelines/translation.js';
import { attentionPng } from './png.js';
import { attentionSvg } from './svg.js';

/**
 * Writes `<prefix><map>.svg` and `<prefix><map>.png` for every map of `attention` into
 * `dir` (created when missing); returns the paths written.
 */
export async function writeAttentionHeatmaps(dir: string, attention: AttentionMaps, prefix = ''): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const m of attention.maps) {
    const input = { weights: m.weights, sourceTokens: attention.sourceTokens, targetTokens: attention.targetTokens, title: m.name };
    const base = join(dir, `${prefix}${m.name}`);
    await writeFileAtomic(`${base}.svg`, attentionSvg(input));
    await writeFileAtomic(`${base}.png`, attentionPng(input));
    written.push(`${base}.svg`, `${base}.png`);
  }
  return written;
}
