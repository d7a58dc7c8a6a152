/**
 * An attention matrix as a labelled heatmap: one row per query token, one column per key token, each cell
 * coloured by its weight on a fixed 0–1 scale (so heads and layers compare at a glance). Plain DOM in a CSS
 * grid: the labels are text, every cell says its value on hover and to screen readers, and a row lights up
 * when the pointer or keyboard focus is on it (Up/Down move between rows). Knows nothing of models.
 */
import { lut, lutIndex } from './colormap';

export interface AttentionMapOptions {
  /** rows × cols weights, row-major (each row sums to 1 for softmax attention). */
  weights: ArrayLike<number>;
  rows: number;
  cols: number;
  rowLabels: readonly string[];
  colLabels: readonly string[];
  /** Accessible name of the whole map. */
  label: string;
  /** Text of one cell for its tooltip and screen readers. */
  describe: (row: number, col: number, weight: number) => string;
}

/** CSS colour of a weight in [0, 1] on the viridis scale. */
export function weightColour(weight: number): string {
  const table = lut('viridis');
  const k = lutIndex(weight, 0, 1) * 3;
  return `rgb(${table[k]}, ${table[k + 1]}, ${table[k + 2]})`;
}

/** Index of the largest weight of each row: which key each query attends to most. */
export function rowArgmax(weights: ArrayLike<number>, rows: number, cols: number): number[] {
  return Array.from({ length: rows }, (_, r) => {
    let best = 0;
    for (let c = 1; c < cols; c++) if (weights[r * cols + c]! > weights[r * cols + best]!) best = c;
    return best;
  });
}

export function renderAttentionMap(root: HTMLElement, opts: AttentionMapOptions): void {
  const { rows, cols, weights } = opts;
  root.classList.add('attention-map');
  root.setAttribute('role', 'grid');
  root.setAttribute('aria-label', opts.label);
  root.style.setProperty('--cols', String(cols));
  const corner = document.createElement('span');
  corner.className = 'corner';
  const header = opts.colLabels.slice(0, cols).map((text) => {
    const th = document.createElement('span');
    th.className = 'col-label';
    th.setAttribute('role', 'columnheader');
    th.textContent = text;
    // A label of one or two characters (a Chinese token, a digit) fits a cell upright; longer ones are
    // turned (CSS), which would also lay a Chinese character on its side.
    if ([...text].length <= 2) th.classList.add('short');
    return th;
  });
  const rowEls: HTMLElement[] = [];
  for (let r = 0; r < rows; r++) {
    const row = document.createElement('div');
    row.className = 'attention-row';
    row.setAttribute('role', 'row');
    row.dataset.row = String(r);
    row.tabIndex = r === 0 ? 0 : -1;
    const label = document.createElement('span');
    label.className = 'row-label';
    label.setAttribute('role', 'rowheader');
    label.textContent = opts.rowLabels[r] ?? '';
    row.append(label);
    for (let c = 0; c < cols; c++) {
      const w = weights[r * cols + c]!;
      const cell = document.createElement('span');
      cell.className = 'cell';
      cell.setAttribute('role', 'gridcell');
      cell.style.background = weightColour(w);
      // The value itself, for tests and tools that read the map (the colour is rounded to 256 steps).
      cell.dataset.weight = String(w);
      cell.title = opts.describe(r, c, w);
      cell.setAttribute('aria-label', cell.title);
      row.append(cell);
    }
    rowEls.push(row);
  }
  const headRow = document.createElement('div');
  headRow.className = 'attention-row head';
  headRow.setAttribute('role', 'row');
  headRow.append(corner, ...header);
  root.replaceChildren(headRow, ...rowEls);

  const highlight = (r: number | null) => {
    root.classList.toggle('has-focus', r !== null);
    rowEls.forEach((el, i) => el.classList.toggle('active', i === r));
    if (r === null) delete root.dataset.activeRow;
    else root.dataset.activeRow = String(r);
  };
  rowEls.forEach((el, r) => {
    el.addEventListener('pointerenter', () => highlight(r));
    el.addEventListener('focus', () => highlight(r));
    el.addEventListener('keydown', (e) => {
      const to = e.key === 'ArrowDown' ? r + 1 : e.key === 'ArrowUp' ? r - 1 : -1;
      if (to < 0 || to >= rows) return;
      e.preventDefault();
      el.tabIndex = -1;
      rowEls[to]!.tabIndex = 0;
      rowEls[to]!.focus();
    });
  });
  root.addEventListener('pointerleave', () => highlight(null));
  root.addEventListener('focusout', (e) => {
    if (!root.contains(e.relatedTarget as Node | null)) highlight(null);
  });
}
