import { describe, expect, it } from 'vitest';
import { lut, lutIndex } from '../../src/lib/viz/colormap';
import { formatValue, rangeOf, symmetric } from '../../src/lib/viz/heatmap';
import { mapsOf } from '../../src/lib/viz/channel-grid';
import { topK } from '../../src/lib/viz/prob-bars';

const colour = (name: Parameters<typeof lut>[0], i: number) => Array.from(lut(name).slice(i * 3, i * 3 + 3));

describe('colour maps', () => {
  it('viridis runs from dark purple to yellow', () => {
    expect(colour('viridis', 0)).toEqual([68, 1, 84]);
    expect(colour('viridis', 255)).toEqual([253, 231, 37]);
  });

  it('viridis gets lighter monotonically (readable in grey and by colour-blind readers)', () => {
    const luma = (c: number[]) => 0.299 * c[0]! + 0.587 * c[1]! + 0.114 * c[2]!;
    for (let i = 1; i < 256; i++) expect(luma(colour('viridis', i))).toBeGreaterThanOrEqual(luma(colour('viridis', i - 1)) - 0.5);
  });

  it('the diverging map is blue below zero, near white at zero and red above', () => {
    const [r0, , b0] = colour('diverging', 0);
    const [rm, gm, bm] = colour('diverging', lutIndex(0, -1, 1));
    const [r1, , b1] = colour('diverging', 255);
    expect(b0!).toBeGreaterThan(r0!);
    expect(Math.min(rm!, gm!, bm!)).toBeGreaterThan(235);
    expect(r1!).toBeGreaterThan(b1!);
  });

  it('maps values to indices, clamping, and a flat range to the middle', () => {
    expect(lutIndex(0, 0, 1)).toBe(0);
    expect(lutIndex(1, 0, 1)).toBe(255);
    expect(lutIndex(7, 0, 1)).toBe(255);
    expect(lutIndex(-3, 0, 1)).toBe(0);
    expect(lutIndex(5, 5, 5)).toBe(128);
  });
});

describe('viewer helpers', () => {
  it('ranges of a slice, and symmetric ranges for weights', () => {
    const data = new Float32Array([5, -1, 2, 3, -4, 0]);
    expect(rangeOf(data, 3, 3)).toEqual({ min: -4, max: 3 });
    expect(symmetric({ min: -0.2, max: 0.5 })).toEqual({ min: -0.5, max: 0.5 });
  });

  it('counts maps from a tensor shape', () => {
    expect(mapsOf([1, 24, 31, 31])).toEqual({ count: 24, height: 31, width: 31 });
    expect(mapsOf([24, 1, 11, 11])).toEqual({ count: 24, height: 11, width: 11 });
  });

  it('ranks the top k classes', () => {
    expect(topK([0.1, 0.6, 0.05, 0.25], 2)).toEqual([{ index: 1, p: 0.6 }, { index: 3, p: 0.25 }]);
  });

  it('formats values for captions', () => {
    expect(formatValue(0)).toBe('0');
    expect(formatValue(1.23456)).toBe('1.235');
    expect(formatValue(0.0001234)).toBe('1.23e-4');
  });
});

describe('training curves geometry', async () => {
  const { niceMax, pathOf, points, scaleX, scaleY } = await import('../../src/lib/viz/curves');
  const frame = { width: 100, height: 100, left: 10, right: 0, top: 0, bottom: 10, xMax: 10, yMax: 0.5 };

  it('maps the first and last epoch to the plot edges and errors to heights', () => {
    expect(scaleX(frame, 1)).toBe(10);
    expect(scaleX(frame, 10)).toBe(100);
    expect(scaleY(frame, 0)).toBe(90);
    expect(scaleY(frame, 0.5)).toBe(0);
  });

  it('draws one point per epoch', () => {
    const pts = points(frame, [0.5, 0.25, 0]);
    expect(pts).toHaveLength(3);
    expect(pathOf(pts)).toBe('M10.0 0.0 L20.0 45.0 L30.0 90.0');
  });

  it('rounds the axis to a readable maximum', () => {
    expect(niceMax(0.237)).toEqual({ max: 0.25, step: 0.05 });
    expect(niceMax(0.9)).toEqual({ max: 1, step: 0.2 });
  });
});
