/**
 * Images cut into square patches: a grey image enlarged with its patch grid and reading-order numbers, a
 * weight per patch laid over the image as colour (attention, rollout), the patches as a sequence of tiles,
 * and a matrix whose rows are themselves small images, drawn as a grid of tiles (a similarity grid). Each
 * canvas keeps the values it shows in `data-values`, rounded, so that a test or a tool can read exactly
 * what was drawn (the colours are rounded to 256 steps). Knows nothing of models.
 */
import { lut, lutIndex, type ColormapName } from './colormap';
import type { Range } from './heatmap';
import { context2d } from './canvas';

/** A grey image with values in [0, 1], row-major. */
export interface GreyImage {
  data: ArrayLike<number>;
  width: number;
  height: number;
}

export interface PatchViewOptions {
  /** Patches per side: the image is side × side patches. */
  side: number;
  /** Canvas pixels per image pixel. */
  scale: number;
  /** One weight per patch in reading order, laid over the image in colour; none draws the image alone. */
  weights?: ArrayLike<number>;
  /** The value that gets the top colour (default: the largest weight, so a flat map still shows its shape). */
  max?: number;
  /** Draw the grid lines and number every patch 1, 2, … in reading order. */
  numbers?: boolean;
  /** Patches to outline: the query (solid) and a keyboard cursor (dashed). */
  query?: number | null;
  cursor?: number | null;
}

const round = (values: ArrayLike<number>) => JSON.stringify(Array.from(values, (v) => Math.round(v * 1e6) / 1e6));

function css(table: Uint8ClampedArray, k: number, alpha = 1): string {
  return `rgba(${table[k]}, ${table[k + 1]}, ${table[k + 2]}, ${alpha})`;
}

// The enlarged pixels of each image at each scale, made once: a ViT run draws the same image into some thirty
// views (one per head and layer), and making them took most of its drawing time. Images are not changed in
// place once drawn (an input source makes a new one for each input), so the array itself is the key.
const enlarged = new WeakMap<ArrayLike<number>, Map<number, ImageData>>();
// A pixel as one 32-bit word, in the machine's byte order: v · GREY + OPAQUE has R = G = B = v, alpha 255.
const word = (rgba: number[]) => new Uint32Array(new Uint8ClampedArray(rgba).buffer)[0]!;
const GREY = word([1, 1, 1, 0]);
const OPAQUE = word([0, 0, 0, 255]);

/** Grey values in [0, 1] as an ImageData of `width` × `height` enlarged `scale` times: each value is turned
 * into a pixel once, and each image row into a canvas row once, then copied down `scale` rows. */
function greyImage(values: ArrayLike<number>, width: number, height: number, scale: number): ImageData {
  let byScale = enlarged.get(values);
  if (!byScale) enlarged.set(values, (byScale = new Map()));
  const cached = byScale.get(scale);
  if (cached) return cached;
  const image = new ImageData(width * scale, height * scale);
  const pixels = new Uint32Array(image.data.buffer);
  const stride = width * scale;
  for (let y = 0; y < height; y++) {
    const row = y * scale * stride;
    for (let x = 0; x < width; x++) {
      const v = Math.round(Math.max(0, Math.min(1, values[y * width + x]!)) * 255);
      pixels.fill(v * GREY + OPAQUE, row + x * scale, row + (x + 1) * scale);
    }
    for (let k = 1; k < scale; k++) pixels.copyWithin(row + k * stride, row, row + stride);
  }
  byScale.set(scale, image);
  return image;
}

function drawGrey(ctx: CanvasRenderingContext2D, img: GreyImage, scale: number): void {
  ctx.putImageData(greyImage(img.data, img.width, img.height, scale), 0, 0);
}

/** The image enlarged `scale` times, with per-patch colour, grid, numbers and outlines as asked. */
export function drawPatchView(canvas: HTMLCanvasElement, img: GreyImage, opts: PatchViewOptions): void {
  const { side, scale } = opts;
  canvas.width = img.width * scale;
  canvas.height = img.height * scale;
  const ctx = context2d(canvas);
  if (!ctx) return;
  drawGrey(ctx, img, scale);
  const cell = (img.width / side) * scale;
  if (opts.weights) {
    const table = lut('viridis');
    let max = opts.max ?? 0;
    if (opts.max === undefined) for (let i = 0; i < side * side; i++) max = Math.max(max, opts.weights[i]!);
    for (let i = 0; i < side * side; i++) {
      // The colour says how much; its opacity rises with it too, so the garment shows through the quiet patches.
      const f = max > 0 ? Math.min(1, opts.weights[i]! / max) : 0;
      ctx.fillStyle = css(table, lutIndex(f, 0, 1) * 3, 0.25 + 0.6 * f);
      ctx.fillRect((i % side) * cell, Math.floor(i / side) * cell, cell, cell);
    }
    canvas.dataset.values = round(Array.from({ length: side * side }, (_, i) => opts.weights![i]!));
  } else {
    delete canvas.dataset.values;
  }
  if (opts.numbers) {
    ctx.strokeStyle = 'rgba(255, 196, 0, 0.9)';
    ctx.lineWidth = 1;
    for (let k = 1; k < side; k++) {
      ctx.beginPath();
      ctx.moveTo(k * cell + 0.5, 0);
      ctx.lineTo(k * cell + 0.5, canvas.height);
      ctx.moveTo(0, k * cell + 0.5);
      ctx.lineTo(canvas.width, k * cell + 0.5);
      ctx.stroke();
    }
    ctx.font = `${Math.max(9, Math.round(cell / 3))}px system-ui, sans-serif`;
    ctx.textBaseline = 'top';
    ctx.lineWidth = 3;
    for (let i = 0; i < side * side; i++) {
      const x = (i % side) * cell + 3;
      const y = Math.floor(i / side) * cell + 2;
      ctx.strokeStyle = 'rgba(0, 0, 0, 0.8)';
      ctx.strokeText(String(i + 1), x, y);
      ctx.fillStyle = '#ffd24a';
      ctx.fillText(String(i + 1), x, y);
    }
  }
  const outline = (i: number | null | undefined, dashed: boolean) => {
    if (i === null || i === undefined || i < 0) return;
    ctx.setLineDash(dashed ? [4, 3] : []);
    ctx.lineWidth = 2;
    ctx.strokeStyle = dashed ? '#ffffff' : '#ff3d7f';
    ctx.strokeRect((i % side) * cell + 1, Math.floor(i / side) * cell + 1, cell - 2, cell - 2);
    ctx.setLineDash([]);
  };
  outline(opts.query, false);
  if (opts.cursor !== opts.query) outline(opts.cursor, true);
}

/**
 * The patches as the sequence a transformer reads: a first tile standing for the class token, then every
 * patch in order, `perRow` tiles a row, each numbered below. `patches` are patch×patch grey values.
 */
export function drawPatchSequence(canvas: HTMLCanvasElement, patches: readonly ArrayLike<number>[], patch: number, opts: { scale: number; perRow: number; first: string }): void {
  const tile = patch * opts.scale;
  const gap = Math.max(4, Math.round(tile / 4));
  const label = 12;
  const count = patches.length + 1;
  const rows = Math.ceil(count / opts.perRow);
  canvas.width = opts.perRow * (tile + gap);
  canvas.height = rows * (tile + gap + label);
  const ctx = context2d(canvas);
  if (!ctx) return;
  ctx.font = '10px system-ui, sans-serif';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  const text = getComputedStyle(canvas).color || '#888';
  for (let k = 0; k < count; k++) {
    const x = (k % opts.perRow) * (tile + gap);
    const y = Math.floor(k / opts.perRow) * (tile + gap + label);
    if (k === 0) {
      ctx.fillStyle = '#ff3d7f';
      ctx.fillRect(x, y, tile, tile);
    } else {
      ctx.putImageData(greyImage(patches[k - 1]!, patch, patch, opts.scale), x, y);
    }
    ctx.fillStyle = text;
    ctx.fillText(k === 0 ? opts.first : String(k), x + tile / 2, y + tile + 1);
  }
  canvas.dataset.values = round(patches.flatMap((p) => Array.from(p)));
}

/**
 * An n × n matrix whose every row is itself a side × side image (n = side²): tile (r, c) of the grid shows
 * row r·side + c. With a similarity matrix of position embeddings this is the ViT paper's grid of grids.
 */
export function drawTileGrid(canvas: HTMLCanvasElement, matrix: ArrayLike<number>, side: number, opts: { cell: number; range: Range; colormap: ColormapName }): void {
  const n = side * side;
  if (matrix.length !== n * n) throw new Error(`drawTileGrid: ${matrix.length} values are not a ${n}×${n} matrix`);
  const tile = side * opts.cell;
  const gap = Math.max(2, Math.round(opts.cell / 2));
  canvas.width = canvas.height = side * tile + (side - 1) * gap;
  const ctx = context2d(canvas);
  if (!ctx) return;
  const table = lut(opts.colormap);
  for (let r = 0; r < n; r++) {
    const ox = (r % side) * (tile + gap);
    const oy = Math.floor(r / side) * (tile + gap);
    for (let c = 0; c < n; c++) {
      ctx.fillStyle = css(table, lutIndex(matrix[r * n + c]!, opts.range.min, opts.range.max) * 3);
      ctx.fillRect(ox + (c % side) * opts.cell, oy + Math.floor(c / side) * opts.cell, opts.cell, opts.cell);
    }
  }
  canvas.dataset.values = round(matrix);
}
