/**
 * The device benchmark, one module for both of its readers: the "Run on your device" page and the
 * browser half of `npm run bench`, which opens that page in headless Chromium. Each graph of a model card
 * runs the inputs of its first golden case (PyTorch's own, so every model is timed on a real input, and the
 * first run is checked against PyTorch: a timing of a wrong answer would be worth nothing).
 */
import type { ModelCard } from '../card';
import { fetchCardJson, timeModel, type LoadPart, type Provider } from '../runtime';

/** Warm runs timed after the first one; their median is the figure that counts. */
export const WARM_RUNS = 20;
/** How long a graph runs untimed before its warm runs. WebAssembly starts on baseline code while V8 compiles
 * the hot kernels optimised in the background: in the bench's Chromium a diffusion step took 17-27 ms for
 * its first 1.5-3 s of runs, then 6.6-7 ms, as fast as the same kernels in Node. */
export const SETTLE_MS = 3000;

export interface BenchRow {
  /** The card's slug. */
  model: string;
  graph: string;
  provider: Provider;
  createMs: number;
  firstMs: number;
  medianMs: number;
  runs: number;
  /** Largest |difference| from PyTorch over the first run's stored outputs, and whether all were within tolerance. */
  maxAbs: number;
  ok: boolean;
}

/** Name of a graph in tables: the model, and the graph's when the model has several. */
export const graphLabel = (card: Pick<ModelCard, 'slug' | 'graphs'>, graph: string) =>
  card.graphs.length > 1 ? `${card.slug}/${graph}` : card.slug;

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Times every graph of `card` on `provider`, one row per graph. */
export async function benchCard(
  card: ModelCard,
  provider: Provider,
  opts: { runs?: number; settleMs?: number; signal?: AbortSignal; onProgress?: (fraction: number, part: LoadPart | 'runs') => void } = {},
): Promise<BenchRow[]> {
  const runs = opts.runs ?? WARM_RUNS;
  const settleMs = opts.settleMs ?? SETTLE_MS;
  // Loaded when a run starts: golden files are checked with zod, which the page need not load to be read.
  const [{ value }, { checkCase, feedsOf, parseGolden }] = await Promise.all([
    fetchCardJson<unknown>(card, card.samples.golden, { signal: opts.signal }),
    import('../verify/golden'),
  ]);
  const golden = parseGolden(value);
  const rows: BenchRow[] = [];
  for (const graph of card.graphs) {
    const c = golden.cases.find((k) => k.graph === graph.name);
    if (!c) throw new Error(`${card.slug}: golden.json has no case for graph ${graph.name}`);
    const timing = await timeModel({
      card, graph: graph.name, provider, feeds: feedsOf(c), fetches: Object.keys(c.outputs), runs, settleMs,
      signal: opts.signal, onProgress: opts.onProgress,
    });
    const checks = checkCase(c, timing.outputs);
    rows.push({
      model: card.slug, graph: graph.name, provider,
      createMs: timing.createMs, firstMs: timing.firstMs, medianMs: median(timing.warmMs), runs,
      maxAbs: Math.max(...checks.map((k) => k.maxAbs)), ok: checks.every((k) => k.ok),
    });
  }
  return rows;
}

/** What this browser's WebGPU adapter says it is ("" when it says nothing, null without WebGPU). */
export async function webGpuAdapter(): Promise<string | null> {
  type Info = { vendor?: string; architecture?: string; device?: string; description?: string };
  type Gpu = { requestAdapter(): Promise<{ info?: Info } | null> };
  const gpu = (navigator as Navigator & { gpu?: Gpu }).gpu;
  const adapter = await gpu?.requestAdapter().catch(() => null);
  if (!adapter) return null;
  const info = adapter.info ?? {};
  return [info.vendor, info.architecture, info.device, info.description].filter((s) => s).join(' · ');
}
