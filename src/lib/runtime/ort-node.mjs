// onnxruntime-web's WASM backend in Node, on one thread as the site runs it: what `npm run bench` tries the
// runtime's options with (tests/bench/options.mjs). Node only, and apart from ort-build.mjs so that the site's
// bundle never sees it (the bundler would ship this build's 14 MB binary). The plain WebAssembly build is the
// one Node runs; its binary is handed over, since onnxruntime-web's own fetch cannot read a file: URL.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as ort from 'onnxruntime-web/wasm';

ort.env.wasm.numThreads = 1;
ort.env.wasm.wasmBinary = readFileSync(createRequire(import.meta.url).resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm'));

export { ort };
