// `npm run bench`: inference time of every shipped model, with onnxruntime-web's WASM backend (what a
// browser without WebGPU runs, single-threaded) and onnxruntime-node (native, for comparison). Targets
// live here, not in the tests: a slow machine should not fail CI, but a regression should be visible.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import * as web from 'onnxruntime-web';
import * as native from 'onnxruntime-node';

// Median milliseconds per run on a 2-core CI-class machine that we consider acceptable.
const TARGET_WASM_MS = { alexnet: 15, resnet: 15, 'resnet-plain': 15, unet: 60, 'unet-noskip': 60 };
const RUNS = 30;

web.env.wasm.numThreads = 1;

async function time(ort, path, card) {
  const session = await ort.InferenceSession.create(path);
  const shape = card.inputs[0].shape;
  const input = new ort.Tensor('float32', new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(0.1), shape);
  const fetches = [card.outputs.find((o) => o.kind === 'probabilities').name];
  await session.run({ [session.inputNames[0]]: input }, fetches); // warm-up
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    await session.run({ [session.inputNames[0]]: input }, fetches);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(RUNS / 2)];
}

let slow = 0;
for (const slug of readdirSync('public/models')) {
  const dir = join('public/models', slug);
  if (!existsSync(join(dir, 'card.json'))) continue;
  const card = JSON.parse(readFileSync(join(dir, 'card.json'), 'utf8'));
  const path = join(dir, 'model.onnx');
  const wasm = await time(web, readFileSync(path), card);
  const node = await time(native, path, card);
  const target = TARGET_WASM_MS[slug];
  const verdict = target === undefined ? 'no target' : wasm <= target ? `within ${target} ms` : `SLOWER than ${target} ms`;
  if (target !== undefined && wasm > target) slow++;
  console.log(`${slug}: wasm ${wasm.toFixed(1)} ms, native ${node.toFixed(1)} ms (median of ${RUNS}; ${verdict})`);
}
process.exitCode = slow ? 1 : 0;
