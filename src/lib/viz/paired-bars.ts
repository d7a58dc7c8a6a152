/** A small SVG bar chart: one group per item (e.g. per block), one bar per series (e.g. residual, plain). */
const SVG = 'http://www.w3.org/2000/svg';

export interface Series {
  name: string;
  className: string;
  values: ArrayLike<number>;
}

function node<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

export function renderPairedBars(
  svg: SVGSVGElement,
  labels: string[],
  series: Series[],
  describe: (series: string, i: number, value: number) => string,
): void {
  const width = 480;
  const height = 160;
  const pad = { left: 36, bottom: 22, top: 8 };
  const max = Math.max(1e-9, ...series.flatMap((s) => Array.from(s.values)));
  const group = (width - pad.left) / labels.length;
  const bar = (group * 0.8) / series.length;
  const y = (v: number) => pad.top + (height - pad.top - pad.bottom) * (1 - v / max);
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.replaceChildren();
  for (const tick of [0, max / 2, max]) {
    svg.append(node('line', { x1: pad.left, x2: width, y1: y(tick), y2: y(tick), class: 'grid-line' }));
    const text = node('text', { x: pad.left - 4, y: y(tick) + 4, 'text-anchor': 'end', class: 'tick' });
    text.textContent = tick.toFixed(2);
    svg.append(text);
  }
  labels.forEach((label, i) => {
    const x0 = pad.left + i * group + group * 0.1;
    series.forEach((s, k) => {
      const v = s.values[i] ?? 0;
      const rect = node('rect', { x: x0 + k * bar, y: y(v), width: bar * 0.9, height: y(0) - y(v), class: s.className });
      const title = node('title', {});
      title.textContent = describe(s.name, i, v);
      rect.append(title);
      svg.append(rect);
    });
    const text = node('text', { x: x0 + (bar * series.length) / 2, y: height - 6, 'text-anchor': 'middle', class: 'tick' });
    text.textContent = label;
    svg.append(text);
  });
  svg.setAttribute('aria-label', labels.map((_, i) => series.map((s) => describe(s.name, i, s.values[i] ?? 0)).join('; ')).join('. '));
}
