/** Attention heatmaps: the PNG decodes (with Node's zlib) to the expected pixels; the SVG has one cell per weight and escapes tokens. */
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { attentionPng, attentionSvg, crc32, heatColor } from '../src/render/index.js';
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

/** Reads a PNG's chunks; checks their CRCs. */
function chunks(png: Uint8Array): Map<string, Uint8Array[]> {
  expect(Array.from(png.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const v = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const out = new Map<string, Uint8Array[]>();
  for (let o = 8; o < png.length; ) {
    const len = v.getUint32(o);
    const type = String.fromCharCode(...png.subarray(o + 4, o + 8));
    expect(v.getUint32(o + 8 + len)).toBe(crc32(png.subarray(o + 4, o + 8 + len)));
    out.set(type, [...(out.get(type) ?? []), png.subarray(o + 8, o + 8 + len)]);
    o += 12 + len;
  }
  return out;
}

describe('attention heatmaps', () => {
  it('PNG: IHDR, CRCs, and pixels (via zlib) coloured by weight with a grey grid', () => {
    const cell = 4;
    const png = attentionPng(MAP, cell);
    const c = chunks(png);
    const ihdr = new DataView(c.get('IHDR')![0]!.buffer, c.get('IHDR')![0]!.byteOffset);
    const [w, h] = [ihdr.getUint32(0), ihdr.getUint32(4)];
    expect([w, h]).toEqual([3 * cell + 1, 2 * cell + 1]);
    expect(c.has('IEND')).toBe(true);
    const raw = inflateSync(Buffer.concat(c.get('IDAT')!));
    expect(raw.length).toBe(h * (1 + 3 * w));
    const pixel = (x: number, y: number): number[] => Array.from(raw.subarray(y * (1 + 3 * w) + 1 + 3 * x, y * (1 + 3 * w) + 4 + 3 * x));
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
