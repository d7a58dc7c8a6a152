/** Segmentation scores of one predicted class map against its ground truth, computed as
 * training/unet.py does (`segmentation_metrics`), so the widget's numbers mean what the card's mean. */

export interface Scores {
  /** Per class: intersection over union, or null when the class is in neither map. */
  iou: (number | null)[];
  /** Mean over the classes that occur in either map. */
  meanIou: number;
  pixelAccuracy: number;
}

export function segmentationScores(pred: ArrayLike<number>, truth: ArrayLike<number>, classes: number): Scores {
  if (pred.length !== truth.length) throw new Error(`prediction has ${pred.length} pixels, ground truth ${truth.length}`);
  const inter = new Float64Array(classes);
  const predCount = new Float64Array(classes);
  const truthCount = new Float64Array(classes);
  for (let i = 0; i < pred.length; i++) {
    const p = pred[i]!;
    const g = truth[i]!;
    predCount[p]! += 1;
    truthCount[g]! += 1;
    if (p === g) inter[p]! += 1;
  }
  const iou = Array.from(inter, (n, c) => {
    const union = predCount[c]! + truthCount[c]! - n;
    return union > 0 ? n / union : null;
  });
  const present = iou.filter((v): v is number => v !== null);
  const correct = inter.reduce((a, b) => a + b, 0);
  return {
    iou,
    meanIou: present.length ? present.reduce((a, b) => a + b, 0) / present.length : 0,
    pixelAccuracy: pred.length ? correct / pred.length : 0,
  };
}

/** Pixels per class in a class map. */
export function classCounts(map: ArrayLike<number>, classes: number): number[] {
  const out = new Array<number>(classes).fill(0);
  for (let i = 0; i < map.length; i++) out[map[i]!]! += 1;
  return out;
}
