/**
 * An already ranked list (a top-k) as labelled horizontal bars, like prob-bars but for lists whose
 * candidates come from a large vocabulary: each row carries its own label, an optional note (e.g. "the
 * original token") that also marks the row, and its exact probability in data-p. Percentages keep two
 * significant digits below 1 %, so small probabilities do not all read 0.0 %. Plain DOM; knows nothing
 * of models.
 */

export interface RankedBar {
  label: string;
  p: number;
  /** Shown after the label, and marks the row (class "marked"). */
  note?: string;
  lang?: string;
  /** Extra data-* attributes, e.g. { id: '17' }. */
  data?: Record<string, string>;
}

export function formatPercent(p: number): string {
  const percent = p * 100;
  return `${percent >= 1 || percent === 0 ? percent.toFixed(1) : percent.toPrecision(2)}%`;
}

export function renderRankedBars(list: HTMLOListElement, bars: readonly RankedBar[]): void {
  list.classList.add('bars', 'ranked-bars');
  list.replaceChildren(
    ...bars.map((bar) => {
      const item = document.createElement('li');
      item.dataset.p = String(bar.p);
      for (const [key, value] of Object.entries(bar.data ?? {})) item.dataset[key] = value;
      const label = document.createElement('span');
      label.className = 'bar-label';
      const text = document.createElement('span');
      text.textContent = bar.label;
      if (bar.lang) text.lang = bar.lang;
      label.append(text);
      if (bar.note) {
        item.classList.add('marked');
        const note = document.createElement('span');
        note.className = 'bar-note';
        note.textContent = bar.note;
        label.append(' ', note);
      }
      const track = document.createElement('span');
      track.className = 'bar-track';
      track.setAttribute('aria-hidden', 'true');
      const fill = document.createElement('span');
      fill.className = 'bar-fill';
      fill.style.width = `${Math.min(100, bar.p * 100).toFixed(2)}%`;
      track.append(fill);
      const value = document.createElement('span');
      value.className = 'bar-value';
      value.textContent = formatPercent(bar.p);
      item.append(label, track, value);
      return item;
    }),
  );
}
