// The site's service worker (dist/sw.js): `npm run build` writes VERSION and FILES above this line
// (src/lib/offline/service-worker.mjs). After one visit every page, the runtime and every model are in one
// cache named by VERSION, a hash of every file's contents, so the site reads and its widgets run offline.
// A new deploy installs into a new cache beside the old one; it takes over only once no page of the old
// version is open, then deletes the old cache: a page never mixes files of two deploys.
/* global VERSION, FILES */
const CACHE = `net-atlas-${VERSION}`;
// Only the onnxruntime build this browser will run (ort-build.mjs makes the same choice).
const OTHER_BUILD = 'Suspending' in WebAssembly ? /\/ort(-wasm-simd-threaded)?\.(asyncify|webgpu)\b/ : /\/ort(-wasm-simd-threaded)?\.jspi\b/;

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // 'reload' skips the HTTP cache, which may still hold the previous deploy's copy of a model. addAll is
    // all or nothing: a failed download leaves no version half cached, and the next visit tries again.
    await cache.addAll(FILES.filter((f) => !OTHER_BUILD.test(f)).map((f) => new Request(f, { cache: 'reload' })));
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) if (key.startsWith('net-atlas-') && key !== CACHE) await caches.delete(key);
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET' || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith((async () => {
    // Pages are cached without their query (?provider=wasm chooses a backend, not a page).
    const hit = await (await caches.open(CACHE)).match(request, { ignoreSearch: true });
    return hit ?? fetch(request);
  })());
});
