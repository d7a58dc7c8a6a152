/** Geometry of a line chart of per-epoch values: pure, so it is drawn at build time and unit-tested. */
export interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
  xMax: number;
  yMax: number;
}

export function scaleX(f: Frame, x: number): number {
  return f.left + ((x - 1) / Math.max(1, f.xMax - 1)) * (f.width - f.left - f.right);
}

export function scaleY(f: Frame, y: number): number {
  return f.top + (1 - y / f.yMax) * (f.height - f.top - f.bottom);
}

/** Points (epoch, value) of a series, epochs counted from 1. */
export function points(f: Frame, values: number[]): [number, number][] {
  return values.map((v, i) => [scaleX(f, i + 1), scaleY(f, v)]);
}

export function pathOf(pts: [number, number][]): string {
  return pts.map(([x, y], i) => `${i ? 'L' : 'M'}${x.toFixed(1)} ${y.toFixed(1)}`).join(' ');
}

/** A round upper bound for the axis and its ticks, e.g. 0.237 -> 0.25 with ticks every 0.05. */
export function niceMax(max: number): { max: number; step: number } {
  const raw = max / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  return { max: Math.ceil(max / step) * step, step };
}
