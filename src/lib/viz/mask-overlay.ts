/** A class map drawn over its grey input: each class in its own colour, mixed with the image at a chosen
 * opacity, background left uncoloured. */
import type { Grey } from '../input/preprocess';
import { context2d } from './canvas';

/** Tableau 10, a categorical palette whose colours stay distinct for most readers; class 0 (background)
 * has none. */
const PALETTE: [number, number, number][] = [
  [78, 121, 167], [242, 142, 43], [225, 87, 89], [118, 183, 178], [89, 161, 79],
  [237, 201, 72], [176, 122, 161], [255, 157, 167], [156, 117, 95], [186, 176, 172],
];

/** RGB of class `c` (1-based garment classes), or null for the background. */
export function classColour(c: number): [number, number, number] | null {
  return c === 0 ? null : PALETTE[(c - 1) % PALETTE.length]!;
}

export function classCss(c: number): string {
  const rgb = classColour(c);
  return rgb ? `rgb(${rgb.join(' ')})` : 'transparent';
}

/** RGBA pixels of the overlay: grey image, and where a garment class was predicted, its colour mixed in
 * with weight `opacity` (0 shows only the image, 1 only the mask). */
export function blendMask(image: Grey, classes: ArrayLike<number>, opacity: number): Uint8ClampedArray {
  const n = image.width * image.height;
  if (classes.length !== n) throw new Error(`class map has ${classes.length} pixels, image ${n}`);
  const out = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) {
    const grey = image.data[i]! * 255;
    const rgb = classColour(classes[i]!);
    for (let k = 0; k < 3; k++) out[i * 4 + k] = rgb ? grey * (1 - opacity) + rgb[k]! * opacity : grey;
    out[i * 4 + 3] = 255;
  }
  return out;
}

export function drawMaskOverlay(canvas: HTMLCanvasElement, image: Grey, classes: ArrayLike<number>, opacity: number): void {
  canvas.width = image.width;
  canvas.height = image.height;
  const ctx = context2d(canvas);
  if (!ctx) return;
  const data = ctx.createImageData(image.width, image.height);
  data.data.set(blendMask(image, classes, opacity));
  ctx.putImageData(data, 0, 0);
}
