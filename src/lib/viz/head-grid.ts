/**
 * Small multiples of square matrices in rows and columns (attention: layers × heads), each a tiny heatmap
 * on a fixed 0–1 viridis scale, so that tiles compare at a glance. Every tile is a toggle button; the
 * chosen one is pressed. One tile is in the tab order; the arrow keys move between tiles, Enter or Space
 * chooses. Each canvas is as many pixels as the matrix has cells (CSS enlarges it). Knows nothing of models.
 */
import { drawHeatmap } from './heatmap';

export interface HeadGridOptions {
  rows: number;
  cols: number;
  rowLabels: readonly string[];
  colLabels: readonly string[];
  /** Side of every matrix. */
  size: number;
  /** The size × size values of tile (row, col), row-major. */
  weights: (row: number, col: number) => ArrayLike<number>;
  chosen: readonly [number, number];
  /** Accessible name of the whole grid, and of one tile. */
  label: string;
  tileLabel: (row: number, col: number) => string;
  onChoose: (row: number, col: number) => void;
}

const UNIT = { min: 0, max: 1 };

export function renderHeadGrid(root: HTMLElement, opts: HeadGridOptions): void {
  const { rows, cols, size } = opts;
  const active = document.activeElement as HTMLElement | null;
  const focused = active && root.contains(active) ? [Number(active.dataset.row), Number(active.dataset.col)] : null;
  root.classList.add('head-grid');
  root.setAttribute('role', 'group');
  root.setAttribute('aria-label', opts.label);
  root.style.setProperty('--cols', String(cols));
  const span = (className: string, text: string) => Object.assign(document.createElement('span'), { className, textContent: text });
  const tiles: HTMLButtonElement[] = [];
  const children: HTMLElement[] = [span('corner', ''), ...opts.colLabels.slice(0, cols).map((l) => span('col-label', l))];
  for (let r = 0; r < rows; r++) {
    children.push(span('row-label', opts.rowLabels[r] ?? ''));
    for (let c = 0; c < cols; c++) {
      const tile = document.createElement('button');
      tile.type = 'button';
      tile.className = 'grid-tile';
      tile.dataset.row = String(r);
      tile.dataset.col = String(c);
      const chosen = r === opts.chosen[0] && c === opts.chosen[1];
      tile.setAttribute('aria-pressed', String(chosen));
      tile.setAttribute('aria-label', opts.tileLabel(r, c));
      tile.tabIndex = chosen ? 0 : -1;
      const canvas = document.createElement('canvas');
      drawHeatmap(canvas, opts.weights(r, c), 0, size, size, UNIT, 'viridis');
      tile.append(canvas);
      tile.addEventListener('click', () => opts.onChoose(r, c));
      tile.addEventListener('keydown', (e) => {
        const move: Record<string, [number, number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
        const d = move[e.key];
        if (!d) return;
        e.preventDefault();
        const to = tiles[Math.min(rows - 1, Math.max(0, r + d[0])) * cols + Math.min(cols - 1, Math.max(0, c + d[1]))]!;
        for (const t of tiles) t.tabIndex = t === to ? 0 : -1;
        to.focus();
      });
      tiles.push(tile);
      children.push(tile);
    }
  }
  root.replaceChildren(...children);
  if (focused) {
    const back = tiles[focused[0]! * cols + focused[1]!];
    if (back) {
      for (const t of tiles) t.tabIndex = t === back ? 0 : -1;
      back.focus();
    }
  }
}
