/** Offline reading: after one visit the service worker (dist/sw.js) holds every page, the runtime and every
 * model, so with the network off every chapter reads and every widget runs; a new deploy replaces the
 * cache as a whole. On a server of its own, over a copy of dist/ that the second test changes to stage a
 * deploy. The other specs keep service workers off (playwright.config.ts). */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { CHAPTERS, LANGS, expect, test } from './fixtures';
import { widget } from './widget-helpers';
import { writeServiceWorker } from '../../src/lib/offline/service-worker.mjs';

const PORT = 4325;
test.use({ serviceWorkers: 'allow', baseURL: `http://localhost:${PORT}` });
test.describe.configure({ mode: 'serial' });

let root: string;
let server: ChildProcess;
let version: string;

test.beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'net-atlas-deploy-'));
  cpSync('dist', root, { recursive: true });
  version = writeServiceWorker(root).version;
  server = spawn(process.execPath, ['tests/e2e/serve-dist.mjs', String(PORT), root], { stdio: 'ignore' });
  await expect.poll(() => fetch(`http://localhost:${PORT}/en/`).then((r) => r.status, () => 0)).toBe(200);
});

test.afterAll(() => {
  server.kill();
  rmSync(root, { recursive: true, force: true });
});

/** The names of the site's caches, as the page sees them. */
const cacheNames = (page: Page) => page.evaluate(() => caches.keys());

/** First visit: the worker installs (every file downloaded into its cache) and takes control of the page. */
async function firstVisit(page: Page) {
  await page.goto('/en/');
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 120_000 });
}

test('after one visit, with the network off, every chapter reads and every widget runs', async ({ page, context }) => {
  await firstVisit(page);
  expect(await cacheNames(page)).toEqual([`net-atlas-${version}`]);
  await context.setOffline(true);
  // The network is really gone, for the worker too: a file it does not hold cannot be fetched.
  expect(await page.evaluate(() => fetch('/not-in-the-cache.txt').then((r) => `status ${r.status}`, () => 'failed'))).toBe('failed');

  // Each chapter once, the languages taking turns, so both are read offline and each model runs once.
  for (const [i, chapter] of CHAPTERS.entries()) {
    const lang = LANGS[i % LANGS.length]!;
    const response = await page.goto(`/${lang}/${chapter.slug}/?provider=wasm`);
    expect(response?.fromServiceWorker(), `${lang}/${chapter.slug} from the cache`).toBe(true);
    await expect(page.locator('article h1')).toBeVisible();
    for (const { kind } of chapter.widgets) {
      const root = widget(page, kind);
      await root.scrollIntoViewIfNeeded();
      await expect(root, `${lang}/${chapter.slug}: ${kind}`).toHaveAttribute('data-state', 'ready');
      await expect(root.locator('[data-part="error"]')).toBeHidden();
    }
  }

  // The search index is kept too.
  await page.goto('/zh/search/');
  await page.locator('.pagefind-ui__search-input').fill('局部响应');
  await expect(page.locator('.pagefind-ui__result-link').first()).toHaveAttribute('href', /\/zh\/alexnet\//);
});

test('a new deploy replaces the cache as a whole, once no page of the old one is open', async ({ page, context }) => {
  await firstVisit(page);
  const before = await page.locator('h1').textContent();

  // The deploy: the home page changes, and so does the worker's version.
  const home = join(root, 'en', 'index.html');
  const changed = readFileSync(home, 'utf8').replace('</h1>', ' (v2)</h1>');
  rmSync(home); // a new file, not a write through a link into dist/
  writeFileSync(home, changed);
  const next = writeServiceWorker(root).version;
  expect(next).not.toBe(version);

  // The open page finds the new worker; it installs beside the old one and waits.
  await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())!.update());
  await expect.poll(() => page.evaluate(async () => !!(await navigator.serviceWorker.getRegistration())?.waiting)).toBe(true);
  expect((await cacheNames(page)).sort()).toEqual([`net-atlas-${next}`, `net-atlas-${version}`].sort());
  // Meanwhile the page still gets the old version's files, not the new ones.
  expect(await page.evaluate(() => fetch('/en/').then((r) => r.text()))).not.toContain('(v2)');

  // The last page of the old version closes: the new worker takes over and deletes the old cache.
  await page.close();
  const fresh = await context.newPage();
  await fresh.goto('/en/');
  await expect.poll(() => cacheNames(fresh)).toEqual([`net-atlas-${next}`]);
  await context.setOffline(true);
  await fresh.reload();
  await expect(fresh.locator('h1')).toHaveText(`${before} (v2)`);
});
