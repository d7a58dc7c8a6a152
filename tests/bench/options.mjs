// `npm run bench` (native): the runtime's options tried on every graph that WASM runs more than ~10× slower
// than native. onnxruntime-web's WASM backend runs here in Node, on one thread as on the site, at each graph
// optimisation level, on the graph's first golden case. Two threads are not tried: a browser gives WebAssembly
// threads only to a cross-origin-isolated page (COOP/COEP headers), which GitHub Pages cannot serve.
import { readFileSync } from 'node:fs';
import { ort as web } from '../../src/lib/runtime/ort-node.mjs';
import './ts-hooks.mjs';

const { feedsOf, parseGolden } = await import('../../src/lib/verify/golden.ts');
const { WARM_RUNS, median } = await import('../../src/lib/bench/measure.ts');

// 'disabled' is left out: onnxruntime 1.30 fails to run ResNet unoptimised (a buffer reused at two shapes).
export const LEVELS = ['basic', 'extended', 'all'];

/** Median of WARM_RUNS session.run calls of `graph` of `card` at each of LEVELS: { level: ms }. */
export async function optionTimes(card, graphName) {
  const graph = card.graphs.find((g) => g.name === graphName);
  const golden = parseGolden(JSON.parse(readFileSync(`public/models/${card.slug}/${card.samples.golden}`, 'utf8')));
  const c = golden.cases.find((k) => k.graph === graphName);
  const feeds = Object.fromEntries(Object.entries(feedsOf(c)).map(([n, f]) => [n, new web.Tensor(f.dtype, f.data, f.dims)]));
  const times = {};
  for (const level of LEVELS) {
    const session = await web.InferenceSession.create(readFileSync(`public/models/${card.slug}/${graph.file}`), { executionProviders: ['wasm'], graphOptimizationLevel: level });
    await session.run(feeds);
    const warm = [];
    for (let i = 0; i < WARM_RUNS; i++) {
      const start = performance.now();
      await session.run(feeds);
      warm.push(performance.now() - start);
    }
    await session.release();
    times[level] = median(warm);
  }
  return times;
}
