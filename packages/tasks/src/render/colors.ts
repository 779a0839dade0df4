/** The heatmaps' colour scale: white (weight 0) to dark blue (weight 1), clamped. */

/** RGB of a weight in [0, 1]. */
export function heatColor(w: number): [number, number, number] {
  const t = Number.isFinite(w) ? Math.min(1, Math.max(0, w)) : 0;
  const lerp = (a: number, b: number): number => Math.round(a + (b - a) * t);
  return [lerp(255, 8), lerp(255, 48), lerp(255, 107)];
}
