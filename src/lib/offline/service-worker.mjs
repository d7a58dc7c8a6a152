// Writes dist/sw.js once the site and its search index are built: the list of files to keep for offline
// reading and a version that changes whenever any of their contents does. Plain JavaScript: `npm run build`
// ends with scripts/service-worker.mjs, and the offline e2e test runs it on a changed copy of dist/ to stage
// a new deploy.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const TEMPLATE = fileURLToPath(new URL('./sw-template.js', import.meta.url));
// Host files (_headers) and the worker itself are not content.
const SKIP = /^(sw\.js|_headers)$/;

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

/** The URLs a reader's browser keeps, each with the sha256 of its file: pages by their address
 * (en/alexnet/index.html is /en/alexnet/), everything else by its path. */
export function precacheEntries(dist) {
  return walk(dist)
    .map((file) => relative(dist, file).split(sep).join('/'))
    .filter((path) => !SKIP.test(path))
    .sort()
    .map((path) => ({
      url: '/' + path.replace(/(^|\/)index\.html$/, '$1'),
      sha256: createHash('sha256').update(readFileSync(join(dist, path))).digest('hex'),
    }));
}

/** Writes `dist`/sw.js; returns its version and file list. */
export function writeServiceWorker(dist) {
  const entries = precacheEntries(dist);
  const version = createHash('sha256').update(JSON.stringify(entries)).digest('hex').slice(0, 16);
  const files = entries.map((e) => e.url);
  writeFileSync(join(dist, 'sw.js'), `const VERSION = ${JSON.stringify(version)};\nconst FILES = ${JSON.stringify(files)};\n${readFileSync(TEMPLATE, 'utf8')}`);
  return { version, files };
}
