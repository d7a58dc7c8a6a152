// Which onnxruntime-web build the site runs, in one place: the site (ort.ts) and `npm run bench`
// (tests/bench/run.mjs) both import it from here, so the bench measures what readers get.
//
// Both are the native WebGPU builds (they also carry the WASM provider); the default import would be the
// older JSEP backend, which gave silently wrong results on some of our ops. `/jspi` is the smaller,
// lower-overhead one and needs JavaScript Promise Integration; `/webgpu` (Asyncify) runs everywhere else.
// Plain JavaScript so that Node can import it without a build step.

/** @type {'jspi' | 'webgpu'} */
export const BUILD = 'Suspending' in WebAssembly ? 'jspi' : 'webgpu';

export function importOrt() {
  return BUILD === 'jspi' ? import('onnxruntime-web/jspi') : import('onnxruntime-web/webgpu');
}

/** URL of the build's WebAssembly binary as the bundler emits it; the site downloads it itself (progress,
 * retry). Vite-only (`?url`): Node lets onnxruntime read the file from node_modules instead. */
export async function ortWasmUrl() {
  const module = BUILD === 'jspi'
    ? await import('onnxruntime-web/ort-wasm-simd-threaded.jspi.wasm?url')
    : await import('onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url');
  return module.default;
}
