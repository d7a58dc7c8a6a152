/** Turning a picture into the tensor a model card asks for. Pure functions on pixel arrays, so the
 * same arithmetic is unit-tested in Node and runs in the browser. */
import type { Preprocess } from '../card';

/** A grey image with values in [0, 1]. */
export interface Grey {
  width: number;
  height: number;
  data: Float32Array;
}

/** RGBA bytes (as from a canvas) to grey in [0, 1], using Rec. 601 luma. Transparent pixels count as
 * white, as in most product photos and drawings saved with alpha. */
export function greyFromRgba(rgba: ArrayLike<number>, width: number, height: number): Grey {
  const data = new Float32Array(width * height);
  for (let i = 0; i < data.length; i++) {
    const a = rgba[i * 4 + 3]! / 255;
    const luma = (0.299 * rgba[i * 4]! + 0.587 * rgba[i * 4 + 1]! + 0.114 * rgba[i * 4 + 2]!) / 255;
    data[i] = luma * a + (1 - a);
  }
  return { width, height, data };
}

export function greyFromBytes(bytes: ArrayLike<number>, width: number, height: number): Grey {
  return { width, height, data: Float32Array.from(bytes, (v) => v / 255) };
}

/** Mean of the outermost ring of pixels: the background's brightness. */
export function borderMean(img: Grey): number {
  const { width: w, height: h, data } = img;
  let sum = 0;
  let n = 0;
  for (let x = 0; x < w; x++) {
    sum += data[x]! + data[(h - 1) * w + x]!;
    n += 2;
  }
  for (let y = 1; y < h - 1; y++) {
    sum += data[y * w]! + data[y * w + w - 1]!;
    n += 2;
  }
  return n ? sum / n : 0;
}

/** Makes the background match the training data's (dark or light), inverting if it does not. */
export function orient(img: Grey, background: Preprocess['background']): Grey {
  const isLight = borderMean(img) > 0.5;
  if (isLight === (background === 'light')) return img;
  return { ...img, data: img.data.map((v) => 1 - v) };
}

type Box = { x: number; y: number; w: number; h: number };

/** Bounding box of the foreground of an image whose background is dark. Null when it is empty. */
export function contentBox(img: Grey, threshold = 0.15): Box | null {
  let x0 = img.width, y0 = img.height, x1 = -1, y1 = -1;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      if (img.data[y * img.width + x]! > threshold) {
        x0 = Math.min(x0, x); x1 = Math.max(x1, x);
        y0 = Math.min(y0, y); y1 = Math.max(y1, y);
      }
    }
  }
  return x1 < 0 ? null : { x: x0, y: y0, w: x1 - x0 + 1, h: y1 - y0 + 1 };
}

function bilinear(img: Grey, x: number, y: number): number {
  const cx = Math.min(Math.max(x, 0), img.width - 1);
  const cy = Math.min(Math.max(y, 0), img.height - 1);
  const x0 = Math.floor(cx), y0 = Math.floor(cy);
  const x1 = Math.min(x0 + 1, img.width - 1), y1 = Math.min(y0 + 1, img.height - 1);
  const fx = cx - x0, fy = cy - y0;
  const at = (xx: number, yy: number) => img.data[yy * img.width + xx]!;
  return (at(x0, y0) * (1 - fx) + at(x1, y0) * fx) * (1 - fy) + (at(x0, y1) * (1 - fx) + at(x1, y1) * fx) * fy;
}

/** The `box` of `src` scaled so its longer side fills `size` pixels, centred on black. Each output pixel
 * averages 4×4 bilinear samples, so shrinking a large photo does not alias. */
function resample(src: Grey, box: Box, size: number): Grey {
  const scale = Math.max(box.w, box.h) / size; // source pixels per output pixel
  const offX = (size - box.w / scale) / 2;
  const offY = (size - box.h / scale) / 2;
  const out = new Float32Array(size * size);
  const k = 4;
  for (let ty = 0; ty < size; ty++) {
    for (let tx = 0; tx < size; tx++) {
      let sum = 0;
      for (let sy = 0; sy < k; sy++) {
        for (let sx = 0; sx < k; sx++) {
          const u = (tx + (sx + 0.5) / k - offX) * scale;
          const v = (ty + (sy + 0.5) / k - offY) * scale;
          const inside = u >= 0 && v >= 0 && u < box.w && v < box.h;
          sum += inside ? bilinear(src, box.x + u - 0.5, box.y + v - 0.5) : 0;
        }
      }
      out[ty * size + tx] = sum / (k * k);
    }
  }
  return { width: size, height: size, data: out };
}

/**
 * Frames a free-form picture the way Fashion-MNIST frames its items: background made dark, the object
 * cropped to its bounding box, scaled so its longer side fills `size` pixels, centred.
 */
export function frameLikeDataset(img: Grey, size: number, background: Preprocess['background']): Grey {
  const dark = orient(img, 'dark');
  const framed = resample(dark, contentBox(dark) ?? { x: 0, y: 0, w: dark.width, h: dark.height }, size);
  return background === 'dark' ? framed : orient(framed, 'light');
}

/** A whole picture, background made dark, fitted into a size × size square (a scene, not one object). */
export function letterbox(img: Grey, size: number): Grey {
  return resample(orient(img, 'dark'), { x: 0, y: 0, w: img.width, h: img.height }, size);
}

/** (x - mean) / std per channel, as the card says; returns the NCHW data of one image. */
export function normalise(img: Grey, pre: Pick<Preprocess, 'mean' | 'std' | 'pixel_range'>): Float32Array {
  const [lo, hi] = pre.pixel_range;
  const mean = pre.mean[0] ?? 0;
  const std = pre.std[0] ?? 1;
  return img.data.map((v) => (lo + v * (hi - lo) - mean) / std);
}
