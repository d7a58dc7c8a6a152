// `npm run bench`: inference time of every graph of every shipped model, with the onnxruntime-web build
// the site ships (src/lib/runtime/ort-build.mjs picks it; its WASM provider, single-threaded, is what a
// browser without WebGPU runs) and onnxruntime-node (native, for comparison). Targets live here, not in
// the tests: a slow machine should not fail CI, but a regression should be visible.
// MODEL_DIR=<folder> benches that build alone (a smoke run), as the unit tests do.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { registerHooks, stripTypeScriptTypes } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as native from 'onnxruntime-node';
import { BUILD, importOrt } from '../../src/lib/runtime/ort-build.mjs';
// Node strips the types itself: the page's own tokeniser, not a copy.
import { decode, sourceIds } from '../../src/lib/input/tokens.ts';

// Median milliseconds per run on a 2-core CI-class machine that we consider acceptable, by model (its only
// graph) or model/graph. diffusion: one guided denoising step (a batch of 2). bert: 8 tokens, 8 of them
// predicted over its 8,552-token vocabulary (measured 11.5 ms, the classifier on the same tokens 2.3 ms).
// mamba-copy: the 56-token sequence through the unrolled scan (measured 6.8 ms); mamba-poem/sequence: 96
// characters (19.8 ms); mamba-poem/step: one character of generation, run once per character (0.3 ms).
const TARGET_WASM_MS = { alexnet: 15, resnet: 15, 'resnet-plain': 15, unet: 60, 'unet-noskip': 60, diffusion: 40, vit: 15,
  bert: 20, 'bert-classifier': 15, 'mamba-copy': 15, 'mamba-copy-lti': 15,
  'mamba-poem/sequence': 60, 'mamba-poem/step': 3 };
const RUNS = 30;
// Every symbolic dimension ("seq", "src", "beam") is given this size, but "batch": 2, the batch of one
// guided diffusion step (the image with its class and with none).
const SYMBOLIC_SIZE = 8;
const SYMBOLIC_SIZES = { batch: 2 };

const web = await importOrt();
web.env.wasm.numThreads = 1;

/** A feed per card input: float32 0.1 everywhere; integer inputs (token ids, timesteps, class ids) 1. */
function feeds(ort, graph) {
  const out = {};
  for (const input of graph.inputs) {
    const dims = input.shape.map((d) => (typeof d === 'number' ? d : SYMBOLIC_SIZES[d] ?? SYMBOLIC_SIZE));
    const n = dims.reduce((a, b) => a * b, 1);
    const data = {
      float32: () => new Float32Array(n).fill(0.1),
      int64: () => new BigInt64Array(n).fill(1n),
      int32: () => new Int32Array(n).fill(1),
      bool: () => new Uint8Array(n).fill(1),
    }[input.dtype]();
    out[input.name] = new ort.Tensor(input.dtype, data, dims);
  }
  return out;
}

async function time(ort, model, graph, options) {
  const session = await ort.InferenceSession.create(model, options);
  const input = feeds(ort, graph);
  const output = graph.outputs.find((o) => o.role === 'probabilities' || o.role === 'logits') ?? graph.outputs[0];
  await session.run(input, [output.name]); // warm-up
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    await session.run(input, [output.name]);
    times.push(performance.now() - start);
  }
  await session.release();
  times.sort((a, b) => a - b);
  return times[Math.floor(RUNS / 2)];
}

/** Median milliseconds per decoder run of a greedy decode (one run per token), WASM, same machine class. */
const TARGET_TOKEN_MS = { transformer: 3 };
// Held-out integers decoded each way per model: enough tokens for a stable median.
const DECODES = 4;

/** Greedy decodes of held-out integers in both directions with the model's encoder and decoder graphs
 * (first and second): the median time of one decoder run, i.e. of one token. */
async function timeDecode(dir, card) {
  const [encGraph, decGraph] = card.graphs;
  const { name: source, vocab: vocabFile } = encGraph.inputs.find((i) => i.kind === 'tokens');
  const vocab = JSON.parse(readFileSync(join(dir, vocabFile), 'utf8'));
  const { held_out: rows } = JSON.parse(readFileSync(join(dir, card.samples.file), 'utf8'));
  const prefix = decGraph.inputs.find((i) => i.kind === 'tokens' && i.name !== source).name;
  const logits = decGraph.outputs.find((o) => o.role === 'logits').name;
  const options = { executionProviders: ['wasm'] };
  const encoder = await web.InferenceSession.create(readFileSync(join(dir, encGraph.file)), options);
  const decoder = await web.InferenceSession.create(readFileSync(join(dir, decGraph.file)), options);
  const ids = (values, rowsOf = 1) => new web.Tensor('int64', BigInt64Array.from(values, BigInt), [rowsOf, values.length / rowsOf]);
  const times = [];
  let wrong = 0;
  for (const row of rows.slice(0, DECODES)) {
    for (const [from, to] of [['zh', 'en'], ['en', 'zh']]) {
      const src = ids(sourceIds(vocab, row[from], from, to));
      const memory = await encoder.run({ [source]: src });
      const feeds = Object.fromEntries(decGraph.inputs.filter((i) => i.name !== prefix).map((i) => [i.name, i.name === source ? src : memory[i.name]]));
      const tokens = [vocab.special.bos];
      while (tokens.length < vocab.max_len && tokens.at(-1) !== vocab.special.eos) {
        const start = performance.now();
        const out = await decoder.run({ ...feeds, [prefix]: ids(tokens) }, [logits]);
        times.push(performance.now() - start);
        const scores = out[logits].data;
        tokens.push(scores.indexOf(Math.max(...scores)));
      }
      if (decode(vocab, tokens, to) !== row[`${from}_${to}`]) wrong++;
    }
  }
  await encoder.release();
  await decoder.release();
  times.sort((a, b) => a - b);
  return { ms: times[times.length >> 1], tokens: times.length, wrong };
}

// The page's modules import each other without file extensions and use a little TypeScript that is not
// erasable (parameter properties), which Node's own type stripping takes neither of. These hooks let the
// bench run the page's diffusion sampler itself, not a copy: a relative import under src/ without an
// extension finds its .ts file (or folder/index.ts), and .ts files under src/ go through Node's TypeScript
// transform.
registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (err) {
      if (!specifier.startsWith('.') || !context.parentURL?.includes('/src/')) throw err;
      for (const suffix of ['.ts', '/index.ts']) {
        try {
          return nextResolve(specifier + suffix, context);
        } catch {}
      }
      throw err;
    }
  },
  load(url, context, nextLoad) {
    if (!url.startsWith('file:') || !url.endsWith('.ts') || !url.includes('/src/')) return nextLoad(url, context);
    const source = stripTypeScriptTypes(readFileSync(fileURLToPath(url), 'utf8'), { mode: 'transform', sourceUrl: url });
    return { format: 'module', source, shortCircuit: true };
  },
});
const { sample, parseSchedule } = await import('../../src/lib/generate/diffusion.ts');
const { gaussian } = await import('../../src/lib/input/noise.ts');

// Full samples timed each way; the median counts.
const SAMPLES = 3;
// A full sample through the page's sampler may take this much longer than its bare model runs (WASM).
const MAX_SAMPLER_OVERHEAD = 1.25;

/** One full sample at the card's default steps and guidance (DDIM), twice per round: the bare session.runs
 * a sample needs (the same batches, nothing else), then the page's sampler (src/lib/generate/diffusion.ts)
 * around the same runs. Median milliseconds of SAMPLES rounds each; their ratio is the sampler's overhead:
 * its arithmetic, the copies into a batch of 2, and the yield to the page between steps (in Node a
 * setTimeout, at least 1 ms; browsers with scheduler.yield lose less). `inRuns` is the sampler round's
 * time inside the model runs, so the rest is the sampler's own. */
async function timeSample(ort, model, dir, card, options) {
  const graph = card.graphs.find((g) => g.name === 'denoiser');
  const { steps, guidance, null_class: nullClass } = card.sampler;
  const schedule = parseSchedule(JSON.parse(readFileSync(join(dir, card.sampler.schedule), 'utf8')));
  const session = await ort.InferenceSession.create(model, options);
  const name = (kind) => graph.inputs.find((i) => i.kind === kind).name;
  const eps = graph.outputs.find((o) => o.role === 'noise').name;
  const image = graph.inputs.find((i) => i.kind === 'state').shape.slice(1);
  const size = image.reduce((a, b) => a * b, 1);
  let inRuns = 0;
  const denoise = async (x, t, classes) => {
    const start = performance.now();
    const ids = (v) => new ort.Tensor('int64', BigInt64Array.from(v, BigInt), [v.length]);
    const out = await session.run({ [name('state')]: new ort.Tensor('float32', x, [classes.length, ...image]),
      [name('timestep')]: ids(t), [name('class_id')]: ids(classes) }, [eps]);
    inRuns += performance.now() - start;
    return out[eps].data;
  };
  const noise = gaussian(1)(size);
  const bare = async () => {
    const x = new Float32Array(2 * size);
    for (let i = 0; i < steps; i++) await denoise(x, [500, 500], [0, nullClass]);
  };
  const sampler = () => sample({ denoise, schedule, classes: [0], noise, steps, method: 'ddim', guidance });
  const clock = async (f) => { const start = performance.now(); await f(); return performance.now() - start; };
  await sampler(); // warm-up
  const rounds = [];
  for (let round = 0; round < SAMPLES; round++) {
    const bareMs = await clock(bare);
    inRuns = 0;
    rounds.push({ bare: bareMs, sampler: await clock(sampler), inRuns });
  }
  await session.release();
  const median = (key) => rounds.map((r) => r[key]).sort((a, b) => a - b)[SAMPLES >> 1];
  return { steps, bare: median('bare'), sampler: median('sampler'), inRuns: median('inRuns') };
}

console.log(`onnxruntime-web build: /${BUILD}`);
let slow = 0;
const dirs = process.env.MODEL_DIR ? [process.env.MODEL_DIR] : readdirSync('public/models').map((d) => join('public/models', d));
for (const dir of dirs) {
  if (!existsSync(join(dir, 'card.json'))) continue;
  const card = JSON.parse(readFileSync(join(dir, 'card.json'), 'utf8'));
  const { slug } = card;
  for (const [i, graph] of card.graphs.entries()) {
    const path = join(dir, graph.file);
    const wasm = await time(web, readFileSync(path), graph, { executionProviders: ['wasm'] });
    const node = await time(native, path, graph, {});
    const name = card.graphs.length > 1 ? `${slug}/${graph.name}` : slug;
    const target = TARGET_WASM_MS[name];
    const verdict = target === undefined ? 'no target' : wasm <= target ? `within ${target} ms` : `SLOWER than ${target} ms`;
    if (target !== undefined && wasm > target) slow++;
    console.log(`${name}: wasm ${wasm.toFixed(1)} ms, native ${node.toFixed(1)} ms (median of ${RUNS}; ${verdict})`);
  }
  const target = TARGET_TOKEN_MS[slug];
  if (target !== undefined) {
    const { ms, tokens, wrong } = await timeDecode(dir, card);
    const verdict = ms <= target ? `within ${target} ms` : `SLOWER than ${target} ms`;
    if (ms > target || wrong) slow++;
    console.log(`${slug} greedy decode: wasm ${ms.toFixed(2)} ms per token (median of ${tokens} tokens, ${DECODES} held-out integers each way; ${verdict})`
      + (wrong ? `; ${wrong} translations differ from PyTorch's` : ''));
  }
  if (card.sampler) {
    const path = join(dir, card.graphs.find((g) => g.name === 'denoiser').file);
    for (const [backend, ort, model, options] of [['wasm', web, readFileSync(path), { executionProviders: ['wasm'] }], ['native', native, path, {}]]) {
      const { steps, bare, sampler, inRuns } = await timeSample(ort, model, dir, card, options);
      const ratio = sampler / bare;
      const target = backend === 'wasm' ? MAX_SAMPLER_OVERHEAD : undefined;
      const verdict = target === undefined ? 'no target' : ratio <= target ? `within x${target}` : `MORE than x${target}`;
      if (target !== undefined && ratio > target) slow++;
      console.log(`${slug} guided DDIM sample of ${steps} steps: ${backend} ${sampler.toFixed(0)} ms (${(sampler / steps).toFixed(1)} ms a step; `
        + `${(sampler - inRuns).toFixed(0)} ms outside the model runs), the same ${steps} runs bare ${bare.toFixed(0)} ms: `
        + `sampler overhead x${ratio.toFixed(3)} (median of ${SAMPLES}; ${verdict})`);
    }
  }
}
process.exitCode = slow ? 1 : 0;
