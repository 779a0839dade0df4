/**
 * Attention heatmaps as SVG (browser-safe): one cell per (target token, source token),
 * coloured by weight, source tokens along the top, target tokens down the left.
 */
import { TaskInputError } from '../errors.js';
import { heatColor } from './colors.js';

/** One attention map to draw: `weights[t][s]` for target token t and source token s. */
export interface HeatmapInput {
  weights: readonly (readonly number[])[];
  sourceTokens: readonly string[];
  targetTokens: readonly string[];
  /** A caption drawn above the map. */
  title?: string;
}

/** Checks that `weights` is targets × sources and finite. */
export function checkHeatmap(h: HeatmapInput): void {
  if (h.weights.length !== h.targetTokens.length)
    throw new TaskInputError(`heatmap: ${h.weights.length} weight rows for ${h.targetTokens.length} target tokens`);
  h.weights.forEach((row, t) => {
    if (row.length !== h.sourceTokens.length)
      throw new TaskInputError(`heatmap: weight row ${t} has ${row.length} values for ${h.sourceTokens.length} source tokens`);
    if (row.some((v) => !Number.isFinite(v))) throw new TaskInputError(`heatmap: weight row ${t} has a non-finite value`);
  });
}

const escapeXml = (s: string): string => s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' }[c]!));

/** The heatmap as an SVG document (`cell` pixels per cell, default 28). */
export function attentionSvg(h: HeatmapInput, cell = 28): string {
  checkHeatmap(h);
  const charW = 7;
  const left = 12 + charW * Math.max(1, ...h.targetTokens.map((t) => t.length));
  const top = (h.title ? 24 : 0) + 12 + charW * Math.max(1, ...h.sourceTokens.map((t) => t.length));
  const width = left + cell * h.sourceTokens.length + 8;
  const height = top + cell * h.targetTokens.length + 8;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"` +
      ' font-family="monospace" font-size="12">',
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
  ];
  if (h.title) parts.push(`<text x="4" y="16" font-weight="bold">${escapeXml(h.title)}</text>`);
  h.sourceTokens.forEach((s, j) => {
    const x = left + j * cell + cell / 2 + 4;
    parts.push(`<text x="${x}" y="${top - 6}" transform="rotate(-90 ${x} ${top - 6})">${escapeXml(s)}</text>`);
  });
  h.targetTokens.forEach((t, i) => {
    parts.push(`<text x="${left - 6}" y="${top + i * cell + cell / 2 + 4}" text-anchor="end">${escapeXml(t)}</text>`);
    h.weights[i]!.forEach((w, j) => {
      const [r, g, b] = heatColor(w);
      parts.push(
        `<rect x="${left + j * cell}" y="${top + i * cell}" width="${cell}" height="${cell}" fill="rgb(${r},${g},${b})"><title>${w.toFixed(
          4,
        )}</title></rect>`,
      );
    });
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
