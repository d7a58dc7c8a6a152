import { describe, expect, it } from 'vitest';
import {
  borderMean, contentBox, frameLikeDataset, greyFromBytes, greyFromRgba, normalise, orient, type Grey,
} from '../../src/lib/input/preprocess';

function rgba(width: number, height: number, fill: (x: number, y: number) => [number, number, number, number]) {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(fill(x, y), (y * width + x) * 4);
  return data;
}

describe('image → tensor preprocessing', () => {
  it('converts RGBA to grey with Rec. 601 weights and treats transparency as white', () => {
    const img = greyFromRgba([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 0, 0], 3, 1);
    expect(img.data[0]).toBeCloseTo(0.299, 5);
    expect(img.data[1]).toBeCloseTo(0.587, 5);
    expect(img.data[2]).toBeCloseTo(1, 5);
  });

  it('inverts pictures whose background is lighter than the training data’s', () => {
    const light: Grey = { width: 4, height: 4, data: new Float32Array(16).fill(0.9) };
    expect(borderMean(light)).toBeCloseTo(0.9);
    expect(orient(light, 'dark').data[0]).toBeCloseTo(0.1);
    const dark: Grey = { width: 4, height: 4, data: new Float32Array(16).fill(0.1) };
    expect(orient(dark, 'dark')).toBe(dark);
  });

  it('finds the bounding box of the foreground', () => {
    const img = greyFromBytes(Array.from({ length: 100 }, (_, i) => (i % 10 >= 2 && i % 10 <= 4 && i >= 60 && i < 90 ? 255 : 0)), 10, 10);
    expect(contentBox(img)).toEqual({ x: 2, y: 6, w: 3, h: 3 });
    expect(contentBox(greyFromBytes(new Array(100).fill(0), 10, 10))).toBeNull();
  });

  it('frames a small object drawn in a corner like Fashion-MNIST: centred, longer side filling the frame', () => {
    // A 20×10 white bar at the top-left of a black 100×100 picture.
    const img = greyFromRgba(rgba(100, 100, (x, y) => (x < 20 && y < 10 ? [255, 255, 255, 255] : [0, 0, 0, 255])), 100, 100);
    const out = frameLikeDataset(img, 28, 'dark');
    expect(out.width).toBe(28);
    const box = contentBox(out, 0.5)!;
    expect(box.w).toBe(28);
    expect(box.h).toBeGreaterThanOrEqual(13);
    expect(box.h).toBeLessThanOrEqual(15);
    expect(box.y + box.h / 2).toBeCloseTo(14, 0);
  });

  it('inverts a dark drawing on white paper before framing', () => {
    const img = greyFromRgba(rgba(50, 50, (x, y) => (Math.abs(x - 25) < 5 && Math.abs(y - 25) < 15 ? [0, 0, 0, 255] : [255, 255, 255, 255])), 50, 50);
    const out = frameLikeDataset(img, 28, 'dark');
    expect(out.data[0]).toBe(0); // background now dark
    expect(Math.max(...out.data)).toBeGreaterThan(0.9);
  });

  it('normalises with the card’s mean and std', () => {
    const img = greyFromBytes([0, 255], 2, 1);
    const x = normalise(img, { mean: [0.25], std: [0.5], pixel_range: [0, 1] });
    expect(x[0]).toBeCloseTo(-0.5, 6);
    expect(x[1]).toBeCloseTo(1.5, 6);
  });
});
