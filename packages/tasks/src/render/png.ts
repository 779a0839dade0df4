/**
 * Attention heatmaps as PNG (browser-safe): an RGB image of `cell`×`cell` pixel squares,
 * one per (target token, source token), coloured by weight, with a one pixel grey grid.
 * Encoding is the `fast-png` library's (pure JavaScript, works in browsers).
 */
import { encode } from 'fast-png';
import { heatColor } from './colors.js';
import { checkHeatmap, type HeatmapInput } from './svg.js';

/** The heatmap as a PNG: `cell` pixels per cell (default 16), a grey line between cells. */
export function attentionPng(h: HeatmapInput, cell = 16): Uint8Array {
  checkHeatmap(h);
  const cols = h.sourceTokens.length;
  const rows = h.targetTokens.length;
  const width = Math.max(1, cols * cell + 1);
  const height = Math.max(1, rows * cell + 1);
  const rgb = new Uint8Array(width * height * 3).fill(160);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const [r, g, b] = heatColor(h.weights[i]![j]!);
      for (let y = i * cell + 1; y < (i + 1) * cell; y++) {
        for (let x = j * cell + 1; x < (j + 1) * cell; x++) rgb.set([r, g, b], (y * width + x) * 3);
      }
    }
  }
  return encode({ width, height, data: rgb, channels: 3, depth: 8 });
}
