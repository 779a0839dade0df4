/** Attention heatmaps (browser-safe): SVG and PNG renderings of source × target weights. */
export * from './colors.js';
export * from './svg.js';
export * from './png.js';
