/** The k most probable classes as labelled horizontal bars (plain DOM: k rows, readable by screen readers). */
import { topK as rank } from '../text/mlm';

export interface Ranked {
  index: number;
  p: number;
}

/** The k largest probabilities with their class index, by the one top-k of src/lib/text/mlm.ts. */
export function topK(probs: ArrayLike<number>, k: number): Ranked[] {
  return rank(probs, k).map(({ id, p }) => ({ index: id, p }));
}

export function renderProbBars(list: HTMLOListElement, probs: ArrayLike<number>, labels: readonly string[], k = 5): void {
  list.replaceChildren(
    ...topK(probs, k).map(({ index, p }) => {
      const item = document.createElement('li');
      item.dataset.class = String(index);
      const name = document.createElement('span');
      name.className = 'bar-label';
      name.textContent = labels[index] ?? String(index);
      const track = document.createElement('span');
      track.className = 'bar-track';
      track.setAttribute('aria-hidden', 'true');
      const fill = document.createElement('span');
      fill.className = 'bar-fill';
      fill.style.width = `${(p * 100).toFixed(1)}%`;
      track.append(fill);
      const value = document.createElement('span');
      value.className = 'bar-value';
      value.textContent = `${(p * 100).toFixed(1)}%`;
      item.append(name, track, value);
      return item;
    }),
  );
}
