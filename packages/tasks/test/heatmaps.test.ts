/** Attention heatmaps: the PNG decodes to the expected pixels; the SVG has one cell per weight and escapes tokens. */
import { decode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { attentionPng, attentionSvg, heatColor } from '../src/render/index.js';
import { TaskInputError } from '../src/errors.js';

const MAP = {
  weights: [
    [1, 0, 0.5],
    [0.25, 0.75, 0],
  ],
  sourceTokens: ['le', '<chat>', '&'],
  targetTokens: ['the', 'cat'],
  title: 'layer0.head1',
};

describe('attention heatmaps', () => {
  it('PNG: a valid RGB image whose pixels are coloured by weight with a grey grid', () => {
    const cell = 4;
    const png = attentionPng(MAP, cell);
    expect(Array.from(png.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const img = decode(png);
    const [w, h] = [img.width, img.height];
    expect([w, h]).toEqual([3 * cell + 1, 2 * cell + 1]);
    expect([img.channels, img.depth]).toEqual([3, 8]);
    const pixel = (x: number, y: number): number[] => Array.from(img.data.subarray(3 * (y * w + x), 3 * (y * w + x) + 3));
    expect(pixel(0, 0)).toEqual([160, 160, 160]);
    expect(pixel(2, 2)).toEqual(heatColor(1)); // target 0, source 0
    expect(pixel(cell + 2, 2)).toEqual([255, 255, 255]); // weight 0
    expect(pixel(2 * cell + 2, cell + 2)).toEqual(heatColor(0)); // target 1, source 2
    expect(pixel(cell + 1, cell + 1)).toEqual(heatColor(0.75));
    expect(heatColor(0.5)).toEqual([132, 152, 181]);
  });

  it('SVG: one cell per weight with its value, tokens escaped', () => {
    const svg = attentionSvg(MAP);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<rect x=/g)).toHaveLength(6);
    expect(svg).toContain('&lt;chat&gt;');
    expect(svg).toContain('>&amp;</text>');
    expect(svg).toContain(`fill="rgb(${heatColor(0.25).join(',')})"><title>0.2500</title>`);
    expect(svg).toContain('layer0.head1');
    expect(svg).not.toMatch(/<chat>/);
  });

  it('mis-shaped maps get typed errors', () => {
    expect(() => attentionSvg({ ...MAP, targetTokens: ['x'] })).toThrow(TaskInputError);
    expect(() =>
      attentionPng({
        ...MAP,
        weights: [
          [1, 0],
          [0, 1],
        ],
      }),
    ).toThrow(/row 0 has 2 values for 3 source tokens/);
    expect(() =>
      attentionPng({
        ...MAP,
        weights: [
          [1, 0, NaN],
          [0, 1, 0],
        ],
      }),
    ).toThrow(/non-finite/);
  });
});
