import { lut, lutIndex, type ColormapName } from './colormap';
import { context2d } from './canvas';

export interface Range {
  min: number;
  max: number;
}

/** Min and max of data[offset, offset + length). */
export function rangeOf(data: ArrayLike<number>, offset = 0, length = data.length - offset): Range {
  let min = Infinity;
  let max = -Infinity;
  for (let i = offset; i < offset + length; i++) {
    const v = data[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

/** Symmetric range around zero, for signed values such as weights. */
export function symmetric(r: Range): Range {
  const m = Math.max(Math.abs(r.min), Math.abs(r.max));
  return { min: -m, max: m };
}

/** Paints an h×w slice of `data` starting at `offset` onto `canvas` (sized h×w) through a colour map. */
export function drawHeatmap(
  canvas: HTMLCanvasElement,
  data: ArrayLike<number>,
  offset: number,
  height: number,
  width: number,
  range: Range,
  colormap: ColormapName,
): void {
  canvas.width = width;
  canvas.height = height;
  const ctx = context2d(canvas);
  if (!ctx) return;
  const image = ctx.createImageData(width, height);
  const table = lut(colormap);
  for (let i = 0; i < width * height; i++) {
    const k = lutIndex(data[offset + i]!, range.min, range.max) * 3;
    image.data[i * 4] = table[k]!;
    image.data[i * 4 + 1] = table[k + 1]!;
    image.data[i * 4 + 2] = table[k + 2]!;
    image.data[i * 4 + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
}

/** Number formatting for value ranges shown to readers. */
export function formatValue(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1000 || a < 0.01 ? v.toExponential(2) : v.toFixed(a >= 10 ? 1 : 3);
}
