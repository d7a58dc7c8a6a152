/**
 * The part of bench/results.json (written by `npm run bench`) that the device page shows beside a reader's
 * own timings: when and where it was measured, and each graph's median per backend.
 */
import type { Provider } from '../runtime';

export interface Reference {
  /** The day of the measurement, YYYY-MM-DD. */
  measured: string;
  browser: string;
  machine: string;
  /** Median milliseconds of a warm run, by graph label (see graphLabel) and backend. */
  medians: Record<string, Partial<Record<Provider, number>>>;
}

interface Results {
  measured: string;
  browser: string;
  machine: string;
  graphs: ({ label: string } & Partial<Record<Provider, { medianMs?: number }>>)[];
}

export function referenceOf(results: Results): Reference {
  const medians: Reference['medians'] = {};
  for (const g of results.graphs) {
    const row: Partial<Record<Provider, number>> = {};
    for (const provider of ['wasm', 'webgpu'] as const) {
      const ms = g[provider]?.medianMs;
      if (ms !== undefined) row[provider] = ms;
    }
    medians[g.label] = row;
  }
  return { measured: results.measured.slice(0, 10), browser: results.browser, machine: results.machine, medians };
}
