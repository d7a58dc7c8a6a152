// `npm run bench`: inference time of every graph of every shipped model, with the onnxruntime-web build
// the site ships (src/lib/runtime/ort-build.mjs picks it; its WASM provider, single-threaded, is what a
// browser without WebGPU runs) and onnxruntime-node (native, for comparison). Targets live here, not in
// the tests: a slow machine should not fail CI, but a regression should be visible.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import * as native from 'onnxruntime-node';
import { BUILD, importOrt } from '../../src/lib/runtime/ort-build.mjs';
// Node strips the types itself: the page's own tokeniser, not a copy.
import { decode, sourceIds } from '../../src/lib/input/tokens.ts';

// Median milliseconds per run of a model's first graph on a 2-core CI-class machine that we consider acceptable.
const TARGET_WASM_MS = { alexnet: 15, resnet: 15, 'resnet-plain': 15, unet: 60, 'unet-noskip': 60 };
const RUNS = 30;
// Every symbolic dimension ("seq", "src", "beam") is given this size.
const SYMBOLIC_SIZE = 8;

const web = await importOrt();
web.env.wasm.numThreads = 1;

/** A feed per card input: float32 0.1 everywhere; integer inputs (token ids, timesteps, class ids) 1. */
function feeds(ort, graph) {
  const out = {};
  for (const input of graph.inputs) {
    const dims = input.shape.map((d) => (typeof d === 'number' ? d : SYMBOLIC_SIZE));
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

console.log(`onnxruntime-web build: /${BUILD}`);
let slow = 0;
for (const slug of readdirSync('public/models')) {
  const dir = join('public/models', slug);
  if (!existsSync(join(dir, 'card.json'))) continue;
  const card = JSON.parse(readFileSync(join(dir, 'card.json'), 'utf8'));
  for (const [i, graph] of card.graphs.entries()) {
    const path = join(dir, graph.file);
    const wasm = await time(web, readFileSync(path), graph, { executionProviders: ['wasm'] });
    const node = await time(native, path, graph, {});
    const target = i === 0 ? TARGET_WASM_MS[slug] : undefined;
    const verdict = target === undefined ? 'no target' : wasm <= target ? `within ${target} ms` : `SLOWER than ${target} ms`;
    if (target !== undefined && wasm > target) slow++;
    const name = card.graphs.length > 1 ? `${slug}/${graph.name}` : slug;
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
}
process.exitCode = slow ? 1 : 0;
