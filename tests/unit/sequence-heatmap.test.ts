import { describe, expect, it } from 'vitest';
import { lut, lutIndex } from '../../src/lib/viz/colormap';
import {
  MEAN_ROWS, barFractions, cellAt, cellPixels, markBoxes, meanPixels, moveCursor, readout, resolveRange, stepMeans, type Cursor,
} from '../../src/lib/viz/sequence-heatmap';

/** 3 steps × 2 channels, [step][channel]: step 1 spikes in both channels. */
const data = new Float32Array([0.1, 0.2, 2.0, 1.0, 0.1, 0.3]);
const steps = 3;
const channels = 2;
const rgbAt = (pixels: Uint8ClampedArray, width: number, x: number, y: number) => Array.from(pixels.slice((y * width + x) * 4, (y * width + x) * 4 + 4));
const colour = (v: number, lo: number, hi: number) => [...lut('viridis').slice(lutIndex(v, lo, hi) * 3, lutIndex(v, lo, hi) * 3 + 3), 255];

describe('sequence heatmap: colours', () => {
  it('paints step s, channel c at pixel (x = s, y = c) with the colour of its value', () => {
    const range = resolveRange(data);
    expect(range).toEqual({ min: data[0], max: 2 });
    const pixels = cellPixels(data, steps, channels, range, 'viridis');
    expect(pixels.length).toBe(steps * channels * 4);
    expect(rgbAt(pixels, steps, 1, 0)).toEqual([253, 231, 37, 255]); // the largest value: viridis' top
    expect(rgbAt(pixels, steps, 0, 0)).toEqual([68, 1, 84, 255]); // the smallest: its bottom
    expect(rgbAt(pixels, steps, 1, 1)).toEqual(colour(1.0, range.min, range.max));
    expect(rgbAt(pixels, steps, 2, 1)).toEqual(colour(0.3, range.min, range.max)); // transposed, not [step][channel] read flat
  });

  it('a given range is used as is, clamping values outside it', () => {
    const pixels = cellPixels(data, steps, channels, { min: 0, max: 1 }, 'viridis');
    expect(rgbAt(pixels, steps, 1, 0)).toEqual(rgbAt(pixels, steps, 1, 1)); // 2.0 and 1.0 both at the top
    expect(rgbAt(pixels, steps, 0, 1)).toEqual(colour(0.2, 0, 1));
    expect(resolveRange(data, { min: -5, max: 5 })).toEqual({ min: -5, max: 5 });
  });

  it('NaN is left out of the default range, and data with no finite value gets a flat one', () => {
    expect(resolveRange([1, NaN, 3])).toEqual({ min: 1, max: 3 });
    expect(resolveRange([NaN, NaN])).toEqual({ min: 0, max: 0 });
    // A flat range paints the middle of the map rather than failing.
    expect(rgbAt(cellPixels([4, 4], 2, 1, { min: 4, max: 4 }, 'viridis'), 2, 1, 0)).toEqual(colour(0, 0, 0));
  });
});

describe('sequence heatmap: the mean row', () => {
  it('averages over channels per step', () => {
    expect(Array.from(stepMeans(data, steps, channels), (m) => +m.toFixed(6))).toEqual([0.15, 1.5, 0.2]);
  });

  it('bars run from the smallest mean (empty) to the largest (full); equal means, or equal but for rounding, all fill the row', () => {
    const f = barFractions([0.15, 1.5, 0.2]);
    expect(f[1]).toBe(1);
    expect(f[0]).toBe(0);
    expect(f[2]).toBeCloseTo(0.05 / 1.35, 6);
    expect(barFractions([0.7, 0.7, 0.7])).toEqual([1, 1, 1]);
    expect(barFractions([0.7, 0.7 + 1e-9, 0.7])).toEqual([1, 1, 1]);
  });

  it('draws each bar up from the bottom in its value’s colour, at least one pixel, transparent above', () => {
    const range = { min: 0.1, max: 2 };
    const means = [0.15, 1.5, 0.1];
    const pixels = meanPixels(means, range, MEAN_ROWS, 'viridis');
    const column = (x: number) => Array.from({ length: MEAN_ROWS }, (_, y) => rgbAt(pixels, 3, x, y)[3]);
    expect(column(1).every((a) => a === 255)).toBe(true);
    expect(column(2).filter((a) => a === 255)).toHaveLength(1); // the smallest mean: still one pixel
    expect(column(2)[MEAN_ROWS - 1]).toBe(255);
    expect(column(0).filter((a) => a === 255)).toHaveLength(Math.round((0.05 / 1.4) * MEAN_ROWS) || 1);
    expect(column(0)[0]).toBe(0);
    expect(rgbAt(pixels, 3, 1, MEAN_ROWS - 1)).toEqual(colour(1.5, 0.1, 2));
  });
});

describe('sequence heatmap: marks, pointer and keyboard', () => {
  it('outlines each marked step that exists once, in order, as a share of the width', () => {
    expect(markBoxes([3, 1, 3, -1, 7, 1.5], 4)).toEqual([
      { step: 1, left: 25, width: 25 },
      { step: 3, left: 75, width: 25 },
    ]);
    expect(markBoxes([], 4)).toEqual([]);
  });

  it('finds the cell under a point, clamped to the grid', () => {
    expect(cellAt(0, 0, 300, 100, 3, 2)).toEqual({ step: 0, channel: 0 });
    expect(cellAt(150, 60, 300, 100, 3, 2)).toEqual({ step: 1, channel: 1 });
    expect(cellAt(300, 100, 300, 100, 3, 2)).toEqual({ step: 2, channel: 1 }); // the far edge is the last cell
    expect(cellAt(-4, 120, 300, 100, 3, 2)).toEqual({ step: 0, channel: 1 });
  });

  it('arrow keys move the cursor and the readout follows; the cursor stays on the grid', () => {
    const opts = { data, channels, describe: (s: number, c: number, v: number) => `step ${s}, channel ${c}: ${v.toFixed(2)}` };
    let at: Cursor = { step: 0, channel: 0 };
    const said: string[] = [readout(opts, at)];
    for (const key of ['ArrowRight', 'ArrowDown', 'ArrowRight', 'ArrowRight', 'ArrowUp', 'ArrowUp', 'Home']) {
      at = moveCursor(at, key, steps, channels)!;
      said.push(readout(opts, at));
    }
    expect(said).toEqual([
      'step 0, channel 0: 0.10',
      'step 1, channel 0: 2.00',
      'step 1, channel 1: 1.00',
      'step 2, channel 1: 0.30',
      'step 2, channel 1: 0.30', // already the last step
      'step 2, channel 0: 0.10',
      'step 2, channel 0: 0.10', // already the first channel
      'step 0, channel 0: 0.10',
    ]);
    expect(moveCursor(at, 'End', steps, channels)).toEqual({ step: 2, channel: 0 });
    expect(moveCursor(at, 'Enter', steps, channels)).toBeNull();
  });

  it('Page Up and Page Down move by a tenth of the channels', () => {
    expect(moveCursor({ step: 4, channel: 0 }, 'PageDown', 56, 128)).toEqual({ step: 4, channel: 13 });
    expect(moveCursor({ step: 4, channel: 120 }, 'PageDown', 56, 128)).toEqual({ step: 4, channel: 127 });
    expect(moveCursor({ step: 4, channel: 5 }, 'PageUp', 56, 128)).toEqual({ step: 4, channel: 0 });
  });
});
