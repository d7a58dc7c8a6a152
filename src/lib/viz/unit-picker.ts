/**
 * Picking one unit (pixel) of a map drawn on a canvas, by pointer or by the arrow keys, and boxes laid over
 * a drawn image in its own pixels: what the receptive-field views are made of.
 */

/** A rectangle of pixels, [top, bottom) × [left, right). */
export interface PixelBox {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/** Lays `box` (absolutely positioned inside the image's positioned parent) over pixels `rect` of an image
 * `height` × `width` pixels drawn to fill that parent, so it scales with the drawing. */
export function placeBox(box: HTMLElement, rect: PixelBox, height: number, width: number): void {
  const pct = (v: number, of: number) => `${(100 * v) / of}%`;
  box.style.top = pct(rect.top, height);
  box.style.left = pct(rect.left, width);
  box.style.height = pct(rect.bottom - rect.top, height);
  box.style.width = pct(rect.right - rect.left, width);
  box.hidden = false;
}

const STEPS: Record<string, [number, number]> = {
  ArrowUp: [-1, 0],
  ArrowDown: [1, 0],
  ArrowLeft: [0, -1],
  ArrowRight: [0, 1],
};

/**
 * The reader picks a unit of the map on `canvas` by clicking or tapping it, or by focusing the canvas and
 * moving with the arrow keys (from the centre when nothing is picked yet); `mark` is laid over the unit.
 */
export class UnitPicker {
  unit: [number, number] | null = null;
  private rows = 0;
  private cols = 0;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly mark: HTMLElement,
    private readonly onPick: (row: number, col: number) => void,
  ) {
    canvas.tabIndex = 0;
    canvas.addEventListener('click', (e) => {
      const r = canvas.getBoundingClientRect();
      if (!this.rows || !r.width || !r.height) return;
      this.pickNear(Math.floor(((e.clientY - r.top) / r.height) * this.rows), Math.floor(((e.clientX - r.left) / r.width) * this.cols));
    });
    canvas.addEventListener('keydown', (e) => {
      const step = STEPS[e.key];
      if (!step || !this.rows) return;
      e.preventDefault();
      const [row, col] = this.unit ?? [Math.floor(this.rows / 2) - step[0], Math.floor(this.cols / 2) - step[1]];
      this.pickNear(row + step[0], col + step[1]);
    });
  }

  /** The map's size; a new size forgets the picked unit. */
  resize(rows: number, cols: number): void {
    if (rows === this.rows && cols === this.cols) return;
    this.rows = rows;
    this.cols = cols;
    this.clear();
  }

  /** Picks the unit at (row, col), or the nearest one on the map's edge when that lies outside it. */
  private pickNear(row: number, col: number): void {
    const clamp = (v: number, n: number) => Math.min(Math.max(v, 0), n - 1);
    this.pick(clamp(row, this.rows), clamp(col, this.cols));
  }

  pick(row: number, col: number): void {
    this.unit = [row, col];
    placeBox(this.mark, { top: row, bottom: row + 1, left: col, right: col + 1 }, this.rows, this.cols);
    this.onPick(row, col);
  }

  clear(): void {
    this.unit = null;
    this.mark.hidden = true;
  }
}
