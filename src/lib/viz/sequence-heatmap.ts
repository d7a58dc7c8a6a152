/**
 * A per-step quantity of a sequence model (Δ, a state, …) as a heatmap with time running left to right:
 * one column per step, labelled with its token underneath, one row per channel, and above them a row of
 * bars, the mean over channels of each step, so that a step where the whole layer reacts shows at a
 * glance. Chosen steps (the tokens that matter) are outlined. The cells canvas has one pixel per cell and
 * is scaled up by CSS without smoothing. It takes the keyboard (tab to it, arrow keys move a cursor) as well
 * as mouse and touch, and a live line under it reads the value under the cursor. Knows nothing of models;
 * the pure helpers below do the arithmetic and are what the unit tests check.
 */
import { lut, lutIndex, type ColormapName } from './colormap';
import { rangeOf, type Range } from './heatmap';
import { context2d } from './canvas';

export interface SequenceHeatmapOptions {
  /** Row-major [step][channel], e.g. Δ (1, T, E) without the batch axis. */
  data: ArrayLike<number>;
  steps: number;
  channels: number;
  /** One token per step, drawn along the x axis. */
  labels: readonly string[];
  /** Steps to outline (e.g. the symbols to remember). */
  marked?: readonly number[];
  /** Colour scale; default: min..max of the data. */
  range?: Range;
  colormap?: ColormapName;
  /** Accessible name, e.g. "layer 1: step size Δ". */
  name: string;
  /** Readout of one cell under the cursor. */
  describe: (step: number, channel: number, value: number) => string;
  /** Readout of one bar of the mean row; without it the bars only show. */
  describeMean?: (step: number, mean: number) => string;
  /** A language for the token labels (their lang attribute), for text in another script than the page's. */
  labelLang?: string;
}

export interface Cursor {
  step: number;
  channel: number;
}

/** Height of the mean row's canvas in pixels: the bars' resolution (CSS sets the shown height). */
export const MEAN_ROWS = 24;

/** The colour scale: the one given, else the data's min..max over finite values (0..0 when none is). */
export function resolveRange(data: ArrayLike<number>, range?: Range): Range {
  if (range) return range;
  const r = rangeOf(data);
  return Number.isFinite(r.min) && Number.isFinite(r.max) ? r : { min: 0, max: 0 };
}

/** Mean over channels of every step. */
export function stepMeans(data: ArrayLike<number>, steps: number, channels: number): Float64Array {
  const means = new Float64Array(steps);
  for (let s = 0; s < steps; s++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += data[s * channels + c]!;
    means[s] = sum / channels;
  }
  return means;
}

/** RGBA pixels of the cells: `steps` wide, `channels` high, pixel (x = step, y = channel) coloured by
 * data[step · channels + channel] on `range` (the data is [step][channel]; the picture is its transpose). */
export function cellPixels(data: ArrayLike<number>, steps: number, channels: number, range: Range, colormap: ColormapName): Uint8ClampedArray {
  const table = lut(colormap);
  const out = new Uint8ClampedArray(steps * channels * 4);
  for (let s = 0; s < steps; s++) {
    for (let c = 0; c < channels; c++) {
      const k = lutIndex(data[s * channels + c]!, range.min, range.max) * 3;
      const p = (c * steps + s) * 4;
      out[p] = table[k]!;
      out[p + 1] = table[k + 1]!;
      out[p + 2] = table[k + 2]!;
      out[p + 3] = 255;
    }
  }
  return out;
}

/** Height of each step's bar as a fraction of the row, from the smallest mean (empty) to the largest (full),
 * so that a step standing out from the rest shows at a glance whatever the scale; the readout gives the
 * values. Means that differ by float rounding alone (under 1e-6 of their size) count as equal: all full. */
export function barFractions(means: ArrayLike<number>): number[] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < means.length; i++) {
    lo = Math.min(lo, means[i]!);
    hi = Math.max(hi, means[i]!);
  }
  const span = hi - lo;
  const flat = !(span > 1e-6 * Math.max(Math.abs(lo), Math.abs(hi)));
  return Array.from(means, (m) => (flat ? 1 : (m - lo) / span));
}

/** RGBA pixels of the mean row: `means.length` wide, `rows` high, each step a bar from the bottom (at
 * least one pixel, so no step looks missing), coloured like a cell of that value on `range`; the rest
 * transparent. */
export function meanPixels(means: ArrayLike<number>, range: Range, rows: number, colormap: ColormapName): Uint8ClampedArray {
  const steps = means.length;
  const table = lut(colormap);
  const out = new Uint8ClampedArray(steps * rows * 4);
  barFractions(means).forEach((f, s) => {
    const k = lutIndex(means[s]!, range.min, range.max) * 3;
    const height = Math.max(1, Math.round(f * rows));
    for (let y = rows - height; y < rows; y++) {
      const p = (y * steps + s) * 4;
      out[p] = table[k]!;
      out[p + 1] = table[k + 1]!;
      out[p + 2] = table[k + 2]!;
      out[p + 3] = 255;
    }
  });
  return out;
}

/** The outlines of the marked steps that exist, once each and in order, as CSS percentages of the width. */
export function markBoxes(marked: readonly number[], steps: number): { step: number; left: number; width: number }[] {
  return [...new Set(marked)]
    .filter((s) => Number.isInteger(s) && s >= 0 && s < steps)
    .sort((a, b) => a - b)
    .map((step) => ({ step, left: (step / steps) * 100, width: 100 / steps }));
}

/** The cell under a point (x, y) of a box width × height showing steps × channels, clamped to the grid. */
export function cellAt(x: number, y: number, width: number, height: number, steps: number, channels: number): Cursor {
  const clamp = (v: number, n: number) => Math.max(0, Math.min(n - 1, Math.floor(v)));
  return { step: clamp((x / width) * steps, steps), channel: clamp((y / height) * channels, channels) };
}

/** Where a key moves the cursor: ← → one step, ↑ ↓ one channel, Home and End the first and last step,
 * Page Up and Page Down a tenth of the channels; null for any other key. The cursor stays inside. */
export function moveCursor(at: Cursor, key: string, steps: number, channels: number): Cursor | null {
  const page = Math.max(1, Math.round(channels / 10));
  const to: Record<string, Cursor> = {
    ArrowLeft: { step: at.step - 1, channel: at.channel },
    ArrowRight: { step: at.step + 1, channel: at.channel },
    ArrowUp: { step: at.step, channel: at.channel - 1 },
    ArrowDown: { step: at.step, channel: at.channel + 1 },
    Home: { step: 0, channel: at.channel },
    End: { step: steps - 1, channel: at.channel },
    PageUp: { step: at.step, channel: at.channel - page },
    PageDown: { step: at.step, channel: at.channel + page },
  };
  const next = to[key];
  if (!next) return null;
  return { step: Math.max(0, Math.min(steps - 1, next.step)), channel: Math.max(0, Math.min(channels - 1, next.channel)) };
}

/** What the live line says with the cursor on a cell. */
export function readout(opts: Pick<SequenceHeatmapOptions, 'data' | 'channels' | 'describe'>, at: Cursor): string {
  return opts.describe(at.step, at.channel, opts.data[at.step * opts.channels + at.channel]!);
}

interface Parts {
  means: HTMLCanvasElement;
  cells: HTMLCanvasElement;
  marks: HTMLElement;
  cursor: HTMLElement;
  labels: HTMLOListElement;
  readout: HTMLElement;
}

/** The options each root was last drawn with, for the listeners it was wired with once. */
const current = new WeakMap<HTMLElement, { opts: SequenceHeatmapOptions; means: Float64Array; parts: Parts; at: Cursor }>();

function paint(canvas: HTMLCanvasElement, pixels: Uint8ClampedArray, width: number, height: number): void {
  canvas.width = width;
  canvas.height = height;
  const ctx = context2d(canvas);
  if (!ctx) return;
  const image = ctx.createImageData(width, height);
  image.data.set(pixels);
  ctx.putImageData(image, 0, 0);
}

function build(root: HTMLElement): Parts {
  const el = <K extends keyof HTMLElementTagNameMap>(tag: K, className: string) => Object.assign(document.createElement(tag), { className });
  const means = el('canvas', 'sh-means');
  means.setAttribute('aria-hidden', 'true');
  const cells = el('canvas', 'sh-cells');
  cells.tabIndex = 0;
  cells.setAttribute('role', 'img');
  const marks = el('div', 'sh-marks');
  marks.setAttribute('aria-hidden', 'true');
  const cursor = el('span', 'sh-cursor');
  cursor.hidden = true;
  // The cursor is placed over the cells alone; the outlines run from the bars down through the labels.
  const cellBox = el('div', 'sh-cellbox');
  cellBox.append(cells, cursor);
  const labels = el('ol', 'sh-labels');
  labels.setAttribute('aria-hidden', 'true'); // the readout names each step's token
  const plot = el('div', 'sh-plot');
  plot.append(means, cellBox, labels, marks);
  const scroll = el('div', 'sh-scroll');
  scroll.append(plot);
  const line = el('p', 'sh-readout');
  line.setAttribute('aria-live', 'polite');
  root.replaceChildren(scroll, line);
  const parts = { means, cells, marks, cursor, labels, readout: line };

  const show = (at: Cursor, text: string) => {
    const state = current.get(root)!;
    state.at = at;
    root.dataset.cursor = `${at.step},${at.channel}`;
    const { steps, channels } = state.opts;
    Object.assign(cursor.style, { left: `${(at.step / steps) * 100}%`, width: `${100 / steps}%`, top: `${(at.channel / channels) * 100}%`, height: `${100 / channels}%` });
    cursor.hidden = false;
    line.textContent = text;
  };
  const atCell = (at: Cursor) => show(at, readout(current.get(root)!.opts, at));
  const pointAt = (e: PointerEvent) => {
    const { opts } = current.get(root)!;
    const box = cells.getBoundingClientRect();
    atCell(cellAt(e.clientX - box.left, e.clientY - box.top, box.width, box.height, opts.steps, opts.channels));
  };
  cells.addEventListener('pointermove', pointAt);
  cells.addEventListener('pointerdown', pointAt);
  cells.addEventListener('focus', () => atCell(current.get(root)!.at));
  cells.addEventListener('blur', () => (cursor.hidden = true));
  cells.addEventListener('pointerleave', () => {
    if (document.activeElement !== cells) cursor.hidden = true;
  });
  cells.addEventListener('keydown', (e) => {
    const { opts, at } = current.get(root)!;
    const next = moveCursor(at, e.key, opts.steps, opts.channels);
    if (!next) return;
    e.preventDefault();
    atCell(next);
  });
  const onMean = (e: PointerEvent) => {
    const { opts, means: m } = current.get(root)!;
    if (!opts.describeMean) return;
    const box = parts.means.getBoundingClientRect();
    const { step } = cellAt(e.clientX - box.left, 0, box.width, 1, opts.steps, 1);
    line.textContent = opts.describeMean(step, m[step]!);
  };
  means.addEventListener('pointermove', onMean);
  means.addEventListener('pointerdown', onMean);
  return parts;
}

/** Draws (or redraws, keeping the cursor where it was) the heatmap of `opts` into `root`. */
export function renderSequenceHeatmap(root: HTMLElement, opts: SequenceHeatmapOptions): void {
  const { data, steps, channels } = opts;
  if (data.length !== steps * channels) throw new Error(`${opts.name}: ${data.length} values for ${steps} steps × ${channels} channels`);
  const colormap = opts.colormap ?? 'viridis';
  const range = resolveRange(data, opts.range);
  const before = current.get(root);
  const parts = before?.parts ?? build(root);
  const means = stepMeans(data, steps, channels);
  const at = before && before.at.step < steps && before.at.channel < channels ? before.at : { step: 0, channel: 0 };
  current.set(root, { opts, means, parts, at });

  root.classList.add('sequence-heatmap');
  root.style.setProperty('--steps', String(steps));
  Object.assign(root.dataset, { steps: String(steps), channels: String(channels), min: String(range.min), max: String(range.max) });
  const boxes = markBoxes(opts.marked ?? [], steps);
  root.dataset.marked = boxes.map((b) => b.step).join(',');

  paint(parts.cells, cellPixels(data, steps, channels, range, colormap), steps, channels);
  paint(parts.means, meanPixels(means, range, MEAN_ROWS, colormap), steps, MEAN_ROWS);
  parts.cells.setAttribute('aria-label', opts.name);
  parts.marks.replaceChildren(
    ...boxes.map(({ step, left, width }) => {
      const box = document.createElement('span');
      box.className = 'sh-mark';
      box.dataset.step = String(step);
      Object.assign(box.style, { left: `${left}%`, width: `${width}%` });
      return box;
    }),
  );
  const marked = new Set(boxes.map((b) => b.step));
  parts.labels.replaceChildren(
    ...Array.from({ length: steps }, (_, s) => {
      const li = document.createElement('li');
      li.textContent = opts.labels[s] ?? '';
      if (opts.labelLang) li.lang = opts.labelLang;
      if (marked.has(s)) li.className = 'marked';
      return li;
    }),
  );
  // A redraw under the reader's cursor (another layer, a new input) says what is under it now.
  if (!parts.cursor.hidden) parts.readout.textContent = readout(opts, at);
}
