/** Colour maps as 256-entry RGB lookup tables. Viridis (sequential) and a blue–white–red diverging map
 * are both readable with the common forms of colour blindness. */

export type ColormapName = 'viridis' | 'diverging' | 'grey';
export type Lut = Uint8ClampedArray; // 256 × [r, g, b]

const STOPS: Record<ColormapName, [number, number, number][]> = {
  // Samples of matplotlib's viridis at 0, 1/8, …, 1.
  viridis: [
    [68, 1, 84], [71, 45, 123], [59, 82, 139], [44, 114, 142], [33, 145, 140],
    [39, 173, 129], [92, 200, 99], [170, 220, 50], [253, 231, 37],
  ],
  // ColorBrewer RdBu, reversed so that negative is blue and positive red.
  diverging: [
    [5, 48, 97], [33, 102, 172], [67, 147, 195], [146, 197, 222], [247, 247, 247],
    [244, 165, 130], [214, 96, 77], [178, 24, 43], [103, 0, 31],
  ],
  grey: [[0, 0, 0], [255, 255, 255]],
};

const cache = new Map<ColormapName, Lut>();

/** The lookup table of `name`: entry i is the colour of value i/255, linearly interpolated between stops. */
export function lut(name: ColormapName): Lut {
  let table = cache.get(name);
  if (table) return table;
  const stops = STOPS[name];
  table = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) {
    const pos = (i / 255) * (stops.length - 1);
    const j = Math.min(Math.floor(pos), stops.length - 2);
    const f = pos - j;
    for (let c = 0; c < 3; c++) table[i * 3 + c] = Math.round(stops[j]![c]! * (1 - f) + stops[j + 1]![c]! * f);
  }
  cache.set(name, table);
  return table;
}

/** Index into a LUT for value v scaled from [lo, hi]; a flat range maps to the middle. */
export function lutIndex(v: number, lo: number, hi: number): number {
  if (!(hi > lo)) return 128;
  return Math.max(0, Math.min(255, Math.round(((v - lo) / (hi - lo)) * 255)));
}
