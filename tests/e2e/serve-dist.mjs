// A minimal static server for the built site (dist/, or the folder given after the port), used by the
// browser tests so that they do not depend on, or collide with, an `astro preview` the contributor may
// already be running. The offline test serves a copy of dist/ that it changes to stage a new deploy.
// `--gzip` compresses text as a static host would (Lighthouse in `npm run bench`); the tests take files as
// they are, so that a cut-off download can be staged byte for byte.
import { createServer } from 'node:http';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

const args = process.argv.slice(2);
const gzip = args.includes('--gzip');
const [portArg, rootArg] = args.filter((a) => !a.startsWith('--'));
const port = Number(portArg ?? 4322);
const root = resolve(rootArg ?? 'dist');
const TEXT = new Set(['.html', '.js', '.mjs', '.css', '.json', '.svg']);
const types = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.css': 'text/css', '.json': 'application/json', '.svg': 'image/svg+xml', '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream', '.woff2': 'font/woff2', '.woff': 'font/woff', '.ttf': 'font/ttf',
  '.png': 'image/png', '.pf_meta': 'application/octet-stream',
};

createServer((req, res) => {
  let path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
  if (path.endsWith('/')) path += 'index.html';
  const file = join(root, path);
  try {
    if (!file.startsWith(root)) throw new Error('outside');
    const size = statSync(file).size;
    const type = types[extname(file)] ?? 'application/octet-stream';
    if (gzip && TEXT.has(extname(file)) && /\bgzip\b/.test(req.headers['accept-encoding'] ?? '')) {
      const body = gzipSync(readFileSync(file));
      res.writeHead(200, { 'content-type': type, 'content-encoding': 'gzip', 'content-length': body.length }).end(body);
      return;
    }
    res.writeHead(200, { 'content-type': type, 'content-length': size });
    createReadStream(file).pipe(res);
  } catch {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  }
}).listen(port, 'localhost', () => console.log(`serving dist/ on http://localhost:${port}/`));
