// `npm run bench` (pages): what a reader's browser gets from the built site. Lighthouse's scores (its mobile
// profile, simulated throttling) and the bytes of a chapter's cold start: to a readable page, then to the
// first widget's first result. The orchestrator starts the static server and the browser and calls these;
// run this file alone (`bash scripts/with-node.sh node tests/bench/pages.mjs`) to try them on AlexNet.
// tests/e2e/serve-dist.mjs does not compress, so raw sizes are the bodies' lengths and gzip sizes are
// computed here, as a static host such as GitHub Pages would serve them.
import { spawn } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { chromium } from '@playwright/test';
import { launch } from 'chrome-launcher';
import runLighthouse from 'lighthouse';
import { computeMedianRun } from 'lighthouse/core/lib/median-run.js';
import config from '../../playwright.config.ts';

const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'];
// Performance audits without weight (insights, diagnostics) that still say what to fix; informative and
// not-applicable ones carry no verdict.
const VERDICT_MODES = new Set(['binary', 'numeric', 'metricSavings']);
const KINDS = ['html', 'css', 'js', 'wasm', 'model', 'other'];
// onnxruntime-web's files in dist/_astro/: ort.jspi.bundle.min.*.js, ort.webgpu.bundle.min.*.js and
// ort-wasm-simd-threaded.{jspi,asyncify}.*.{js,wasm}.
const ORT_FILE = /\/ort[.-][^/]*$/;
const WIDGET_TIMEOUT_MS = 180_000;
// Lighthouse runs per page. One run's performance score moved by up to 10 points here (a 2-core machine);
// Lighthouse's advice for variance is several runs and its median run (computeMedianRun: the run nearest
// the median first paint and time to interactive), which is what a page's scores are taken from.
export const LIGHTHOUSE_RUNS = 3;

/** Lighthouse (mobile profile = its default config) on each path of `paths`, served at `origin`, one
 * Chrome for all, LIGHTHOUSE_RUNS times a page. Returns the median run of each: [{ path, scores: {
 * performance, accessibility, 'best-practices', seo } (0-100, null where a category could not be scored),
 * performanceRuns (every run's performance score), failing: [{ category, id, title, displayValue? }],
 * domSize }]: `failing` lists the audits that scored < 1 and count in a category (weight > 0: for
 * performance, its metrics) and, for performance, the insights and diagnostics that failed; domSize is the
 * page's element count. */
export async function lighthouse(origin, paths, { chromePath = '/usr/bin/chromium' } = {}) {
  const chrome = await launch({ chromePath, chromeFlags: ['--headless=new', '--no-sandbox'] });
  try {
    const results = [];
    // One page after another: Lighthouse opens a tab of its own for each run and resets the origin's storage.
    for (const path of paths) {
      const runs = [];
      for (let i = 0; i < LIGHTHOUSE_RUNS; i++) {
        const { lhr } = await runLighthouse(new URL(path, origin).href,
          { port: chrome.port, onlyCategories: CATEGORIES, logLevel: 'error' });
        if (lhr.runtimeError) throw new Error(`lighthouse ${path}: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`);
        runs.push(lhr);
      }
      const performanceRuns = runs.map((lhr) => Math.round(lhr.categories.performance.score * 100));
      const { scores, ...rest } = summarise(computeMedianRun(runs));
      results.push({ path, scores, performanceRuns, ...rest });
    }
    return results;
  } finally {
    chrome.kill();
  }
}

function summarise(lhr) {
  const scores = {};
  const failing = [];
  for (const id of CATEGORIES) {
    const category = lhr.categories[id];
    scores[id] = category.score === null ? null : Math.round(category.score * 100);
    for (const ref of category.auditRefs) {
      const audit = lhr.audits[ref.id];
      const counts = ref.weight > 0 || (id === 'performance' && VERDICT_MODES.has(audit.scoreDisplayMode));
      if (!counts || audit.score === null || audit.score >= 1) continue;
      failing.push({ category: id, id: ref.id, title: audit.title, ...(audit.displayValue && { displayValue: audit.displayValue }) });
    }
  }
  return { scores, failing, domSize: lhr.audits['dom-size-insight']?.numericValue ?? null };
}

function kindOf(url, contentType) {
  const path = new URL(url).pathname;
  if (path.endsWith('.onnx') || path.startsWith('/models/')) return 'model';
  if (path.endsWith('.wasm')) return 'wasm';
  if (/\.m?js$/.test(path)) return 'js';
  if (path.endsWith('.css')) return 'css';
  if (path.endsWith('/') || path.endsWith('.html') || contentType.startsWith('text/html')) return 'html';
  return 'other';
}

const emptyTotals = () => Object.fromEntries([...KINDS, 'total'].map((k) => [k, { raw: 0, gzip: 0 }]));

function totals(files) {
  const out = emptyTotals();
  for (const f of files) {
    for (const k of [f.kind, 'total']) {
      out[k].raw += f.raw;
      out[k].gzip += f.gzip;
    }
  }
  return out;
}

/** What one finished request brought: its body's bytes as received (the test server does not compress) and
 * the body itself, for its gzip size. DevTools keeps bodies up to about 10 MB: a bigger one (the runtime's
 * WebAssembly) is read again from the server, a static one that sends every file as it is. */
async function received(request) {
  const response = await request.response();
  const { responseBodySize: raw } = await request.sizes();
  const body = await response.body()
    .catch(async () => Buffer.from(await (await fetch(request.url())).arrayBuffer()));
  return { url: request.url(), type: response.headers()['content-type'] ?? '', raw, body };
}

/** Cold start of one chapter page with an empty cache (a fresh context of `browser`, a chromium.launch
 * result; service workers blocked so that the site's own does not answer). Returns { path,
 *   readable: bytes until the `load` event plus 500 ms of network idle, nothing scrolled,
 *   firstResult: bytes (those above included) until the first widget, scrolled into view, is data-state="ready"
 *     on WASM (?provider=wasm),
 *   jsBeforeWidget: { raw, gzip, files: [{ url (the path on the origin), raw, gzip }] }: the JavaScript of the
 *     readable page, onnxruntime's files excluded,
 *   ortLoadedBeforeWidget: whether any onnxruntime file came before the widget was scrolled into view },
 * where readable and firstResult are { html, css, js, wasm, model, other, total }, each { raw, gzip } in bytes. */
export async function coldStart(browser, origin, path) {
  const context = await browser.newContext({ serviceWorkers: 'block' });
  try {
    // In the order they finished; a milestone is how many had finished by then.
    const finished = [];
    context.on('requestfinished', (request) => {
      if (request.url().startsWith('http')) finished.push(received(request));
    });
    const page = await context.newPage();
    await page.goto(new URL(`${path}?provider=wasm`, origin).href, { waitUntil: 'load' });
    await page.waitForLoadState('networkidle');
    const readableCount = finished.length;

    const widget = page.locator('[data-widget]').first();
    await widget.scrollIntoViewIfNeeded();
    const handle = await page.waitForFunction(() => {
      const state = document.querySelector('[data-widget]')?.getAttribute('data-state');
      return (state === 'ready' || state === 'error') && state;
    }, null, { timeout: WIDGET_TIMEOUT_MS });
    if ((await handle.jsonValue()) === 'error') {
      throw new Error(`coldStart ${path}: the widget failed: ${await widget.locator('[data-part="error"]').textContent()}`);
    }
    const files = [];
    for (const file of finished) {
      const { url, type, raw, body } = await file;
      // A host does not compress what is compressed already (fonts, images): those travel as they are.
      files.push({ url, kind: kindOf(url, type), raw, gzip: Math.min(raw, gzipSync(body, { level: 9 }).length) });
    }

    const before = files.slice(0, readableCount);
    const js = before.filter((f) => f.kind === 'js' && !ORT_FILE.test(new URL(f.url).pathname));
    return {
      path,
      readable: totals(before),
      firstResult: totals(files),
      jsBeforeWidget: {
        raw: js.reduce((s, f) => s + f.raw, 0),
        gzip: js.reduce((s, f) => s + f.gzip, 0),
        files: js.map((f) => ({ url: new URL(f.url).pathname, raw: f.raw, gzip: f.gzip })),
      },
      ortLoadedBeforeWidget: before.some((f) => ORT_FILE.test(new URL(f.url).pathname)),
    };
  } finally {
    await context.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = 4324;
  const origin = `http://localhost:${port}`;
  const server = spawn(process.execPath, ['tests/e2e/serve-dist.mjs', String(port)], { stdio: 'ignore' });
  const browser = await chromium.launch({ ...config.use.launchOptions, executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium' });
  try {
    // The server listens within moments; wait for it rather than guess.
    for (let i = 0; !(await fetch(`${origin}/en/`).then((r) => r.ok, () => false)); i++) {
      if (i === 50) throw new Error(`no server on ${origin}: is dist/ built?`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const cold = await coldStart(browser, origin, '/en/alexnet/');
    const scores = await lighthouse(origin, ['/en/', '/zh/alexnet/'], { chromePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium' });
    console.log(JSON.stringify({ coldStart: cold, lighthouse: scores }, null, 2));
  } finally {
    await browser.close();
    server.kill();
  }
}
