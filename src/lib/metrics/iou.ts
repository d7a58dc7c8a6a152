/** Segmentation scores of one scene's predicted class map against its ground truth. The mean IoU is
 * training/unet.py's `scene_iou` (the card's samples.scene_mean_iou): the mean over the classes present in
 * the prediction or the truth of this one scene. It is not `segmentation_metrics`, which pools the pixels of
 * all held-out scenes into one confusion matrix and averages over every class (the card's mean_iou). */

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
