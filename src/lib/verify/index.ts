/**
 * "Check against PyTorch": runs every case of a model's golden.json — its stored inputs, on the graph it
 * names — and compares every stored output (golden.ts). No input source is involved, so a case may hold
 * inputs no widget could make (a diffusion step's noise). The widget only renders the rows.
 */
import type { ModelCard } from '../card';
import { fetchCardJson, run, type ModelHandle } from '../runtime';
import { TOLERANCE, checkCase, feedsOf, parseGolden, type OutputCheck } from './golden';

export { TOLERANCE } from './golden';

/** One output of one graph over all cases: the largest difference, and whether every case agreed. */
export interface VerifyRow {
  /** The output's name, prefixed by its graph's when the model has several graphs. */
  output: string;
  maxAbs: number;
  ok: boolean;
  /** Comparisons (cases) behind the row, and how many of them agreed. */
  total: number;
  passed: number;
}

export interface Verdict {
  rows: VerifyRow[];
  /** False when golden.json's SHA-256 could not be checked (no crypto.subtle). */
  verified: boolean;
  tolerance: typeof TOLERANCE;
}

export async function verifyModel(opts: {
  card: ModelCard;
  /** The widget's handle for a graph of the card, opened on the provider being checked. */
  open: (graph: string) => Promise<ModelHandle>;
  signal?: AbortSignal;
}): Promise<Verdict> {
  const { card, open, signal } = opts;
  const { value, verified } = await fetchCardJson<unknown>(card, card.samples.golden, { signal });
  const golden = parseGolden(value);
  const several = card.graphs.length > 1;
  const rows = new Map<string, VerifyRow>();
  for (const c of golden.cases) {
    const handle = await open(c.graph);
    const result = await run(handle, feedsOf(c), Object.keys(c.outputs), { signal });
    for (const check of checkCase(c, result.outputs)) add(rows, several ? `${c.graph}/${check.output}` : check.output, check);
  }
  return { rows: [...rows.values()], verified, tolerance: TOLERANCE };
}

function add(rows: Map<string, VerifyRow>, name: string, check: OutputCheck): void {
  const row = rows.get(name) ?? { output: name, maxAbs: 0, ok: true, total: 0, passed: 0 };
  row.maxAbs = Math.max(row.maxAbs, check.maxAbs);
  row.ok &&= check.ok;
  row.total += 1;
  row.passed += check.ok ? 1 : 0;
  rows.set(name, row);
}
