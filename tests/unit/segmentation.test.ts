/** Segmentation scores and the mask overlay: the arithmetic behind the widget's IoU table and masks. */
import { describe, expect, it } from 'vitest';
import { classCounts, segmentationScores } from '../../src/lib/metrics/iou';
import { blendMask, classColour } from '../../src/lib/viz/mask-overlay';

describe('segmentationScores', () => {
  it('is perfect for a perfect prediction', () => {
    const truth = [0, 0, 1, 1, 2, 2];
    const s = segmentationScores(truth, truth, 4);
    expect(s.iou).toEqual([1, 1, 1, null]);
    expect(s.meanIou).toBe(1);
    expect(s.pixelAccuracy).toBe(1);
  });

  it('counts intersection over union per class, averaging classes that occur', () => {
    const truth = [0, 0, 0, 1, 1, 1];
    const pred = [0, 0, 1, 1, 1, 2];
    const s = segmentationScores(pred, truth, 3);
    // class 0: 2 / 3; class 1: 2 / 4; class 2: 0 / 1
    expect(s.iou[0]).toBeCloseTo(2 / 3);
    expect(s.iou[1]).toBeCloseTo(0.5);
    expect(s.iou[2]).toBe(0);
    expect(s.meanIou).toBeCloseTo((2 / 3 + 0.5 + 0) / 3);
    expect(s.pixelAccuracy).toBeCloseTo(4 / 6);
  });

  it('refuses maps of different sizes', () => {
    expect(() => segmentationScores([0, 1], [0], 2)).toThrow(/pixels/);
  });
});

describe('classCounts', () => {
  it('counts the pixels of every class, zero for the absent ones', () => {
    expect(classCounts([0, 2, 2, 1, 2], 4)).toEqual([1, 1, 3, 0]);
  });
});

describe('blendMask', () => {
  const image = { width: 2, height: 1, data: new Float32Array([0.5, 0.5]) };

  it('leaves background pixels grey and colours garment pixels by the opacity', () => {
    const none = blendMask(image, [0, 3], 0);
    expect(Array.from(none)).toEqual([128, 128, 128, 255, 128, 128, 128, 255]);
    const full = blendMask(image, [0, 3], 1);
    expect(Array.from(full.slice(0, 4))).toEqual([128, 128, 128, 255]);
    expect(Array.from(full.slice(4, 7))).toEqual(classColour(3));
    const half = blendMask(image, [0, 3], 0.5);
    expect(half[4]).toBeCloseTo((127.5 + classColour(3)![0]) / 2, 0);
  });

  it('gives every garment class its own colour and the background none', () => {
    expect(classColour(0)).toBeNull();
    const colours = new Set(Array.from({ length: 10 }, (_, c) => classColour(c + 1)!.join()));
    expect(colours.size).toBe(10);
  });
});
