import type { ColormapName } from './colormap';
import { drawHeatmap, rangeOf, symmetric, type Range } from './heatmap';

/** How colours are scaled: each map on its own range, all maps of the tensor on one range, or one range
 * symmetric around zero (signed values such as weights). */
export type Scaling = 'channel' | 'layer' | 'symmetric';

export interface GridTensor {
  dims: readonly number[];
  data: Float32Array;
}

export interface GridOptions {
  colormap: ColormapName;
  scaling: Scaling;
  /** A range shared with other grids (overrides `scaling`), so that several tensors can be compared. */
  range?: Range;
  /** Accessible name of map i, e.g. "Channel 3". */
  label: (i: number) => string;
  /** Caption of the enlarged map; omit for a grid without enlargement. */
  describe?: (i: number, range: Range) => string;
}

/** The last two dimensions are a map's height and width; everything before them counts maps. */
export function mapsOf(dims: readonly number[]): { count: number; height: number; width: number } {
  const height = dims[dims.length - 2] ?? 1;
  const width = dims[dims.length - 1] ?? 1;
  const count = dims.slice(0, -2).reduce((a, b) => a * b, 1);
  return { count, height, width };
}

/**
 * A grid of small heat maps, one canvas per map (feature-map channels, conv filters, attention heads).
 * Each tile is a button: choosing one shows it enlarged with its value range.
 */
export class ChannelGrid {
  private tiles: HTMLButtonElement[] = [];
  private tensor: GridTensor | null = null;
  private opts: GridOptions | null = null;
  selected = 0;

  constructor(
    private readonly grid: HTMLElement,
    private readonly enlarged?: { canvas: HTMLCanvasElement; caption: HTMLElement },
  ) {}

  render(tensor: GridTensor, opts: GridOptions): void {
    this.tensor = tensor;
    this.opts = opts;
    const { count, height, width } = mapsOf(tensor.dims);
    const size = height * width;
    const whole = rangeOf(tensor.data);
    this.grid.style.setProperty('--tile-aspect', `${width} / ${height}`);
    if (this.tiles.length !== count) this.buildTiles(count);
    if (this.selected >= count) this.selected = 0;
    for (let i = 0; i < count; i++) {
      const tile = this.tiles[i]!;
      drawHeatmap(tile.querySelector('canvas')!, tensor.data, i * size, height, width, this.rangeFor(i, whole), opts.colormap);
      tile.setAttribute('aria-label', opts.label(i));
      tile.title = opts.label(i);
      tile.setAttribute('aria-pressed', String(i === this.selected));
    }
    this.showEnlarged();
  }

  private rangeFor(i: number, whole: Range): Range {
    if (this.opts!.range) return this.opts!.range;
    const { height, width } = mapsOf(this.tensor!.dims);
    switch (this.opts!.scaling) {
      case 'layer':
        return whole;
      case 'symmetric':
        return symmetric(whole);
      default:
        return rangeOf(this.tensor!.data, i * height * width, height * width);
    }
  }

  private buildTiles(count: number): void {
    this.grid.replaceChildren();
    this.tiles = Array.from({ length: count }, (_, i) => {
      const tile = document.createElement('button');
      tile.type = 'button';
      tile.className = 'grid-tile';
      tile.dataset.index = String(i);
      tile.append(document.createElement('canvas'));
      tile.addEventListener('click', () => this.select(i));
      this.grid.append(tile);
      return tile;
    });
  }

  select(i: number): void {
    this.tiles[this.selected]?.setAttribute('aria-pressed', 'false');
    this.selected = i;
    this.tiles[i]?.setAttribute('aria-pressed', 'true');
    this.showEnlarged();
  }

  private showEnlarged(): void {
    if (!this.enlarged || !this.tensor || !this.opts?.describe) return;
    const { height, width } = mapsOf(this.tensor.dims);
    const i = this.selected;
    const own = rangeOf(this.tensor.data, i * height * width, height * width);
    const shown = this.rangeFor(i, rangeOf(this.tensor.data));
    drawHeatmap(this.enlarged.canvas, this.tensor.data, i * height * width, height, width, shown, this.opts.colormap);
    this.enlarged.canvas.dataset.min = String(own.min);
    this.enlarged.canvas.dataset.max = String(own.max);
    this.enlarged.caption.textContent = this.opts.describe(i, own);
  }
}

