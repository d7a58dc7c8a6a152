/** "Run on your device": the page times every shipped model (here on WASM with 2 warm runs, to stay short;
 * `npm run bench` runs it in full on both backends), checks each first run against PyTorch's golden
 * outputs, shows the reference numbers of bench/results.json and copies its table as text; Stop ends a run
 * between two models. */
import AxeBuilder from '@axe-core/playwright';
import { existsSync, readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { t } from '../../src/i18n';
import { graphLabel } from '../../src/lib/bench/measure';
import { readCard, shippedModels } from '../../src/lib/content/read-card';

const cards = await Promise.all(shippedModels().map(readCard));
// Every graph of every card, as tables name them.
const LABELS = cards.flatMap((c) => c.graphs.map((g) => graphLabel(c, g.name))).sort();
const reference = existsSync('bench/results.json')
  ? (JSON.parse(readFileSync('bench/results.json', 'utf8')) as { graphs: { label: string; wasm?: { medianMs?: number } }[] }).graphs
  : [];

interface Results {
  runs: number;
  rows: { label: string; provider: string; result?: { createMs: number; firstMs: number; medianMs: number; runs: number; ok: boolean; maxAbs: number }; error?: string }[];
}

const bench = (page: Page) => page.locator('na-device-bench');

async function start(page: Page) {
  await expect(bench(page)).toHaveAttribute('data-webgpu', /true|false/);
  // SwiftShader's WebGPU takes minutes for all models; npm run bench measures it.
  await bench(page).locator('[data-part="use-webgpu"]').uncheck();
  await bench(page).locator('[data-part="run"]').click();
}

test('en: the device page times every model on WASM, each first run agrees with PyTorch, and the table copies as text', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.goto('/en/device/?runs=2&settle=0');
  await start(page);
  await expect(bench(page)).toHaveAttribute('data-state', 'done', { timeout: 170_000 });
  const results = JSON.parse((await bench(page).getAttribute('data-results'))!) as Results;
  expect(results.runs).toBe(2);
  expect(results.rows.map((r) => r.label).sort()).toEqual(LABELS);
  for (const row of results.rows) {
    expect(row.error, row.label).toBeUndefined();
    expect(row.provider).toBe('wasm');
    const r = row.result!;
    expect(r.ok, `${row.label}: max |diff| ${r.maxAbs}`).toBe(true);
    for (const ms of [r.createMs, r.firstMs, r.medianMs]) expect(ms, row.label).toBeGreaterThan(0);
  }
  await expect(bench(page).locator('[data-part="status"]')).toHaveText(t('en', 'device.done', { n: LABELS.length }));
  const body = bench(page).locator('tbody tr');
  await expect(body).toHaveCount(LABELS.length);
  // The reference column shows bench/results.json's WASM median wherever it has one.
  for (const ref of reference.filter((g) => g.wasm?.medianMs !== undefined)) {
    const cell = body.filter({ has: page.locator('td:first-child', { hasText: new RegExp(`^${ref.label}$`) }) }).locator('td').nth(5);
    await expect(cell).not.toHaveText('–');
  }
  await expect(bench(page).locator('.bar.yours')).toHaveCount(LABELS.length);

  await bench(page).locator('[data-part="copy"]').click();
  await expect(bench(page).locator('[data-part="status"]')).toHaveText(t('en', 'device.copied'));
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  const lines = copied.split('\n');
  for (const label of LABELS) expect(lines.some((l) => l.startsWith(`${label} `) && /\bok\b/.test(l)), label).toBe(true);

  for (const theme of ['light', 'dark']) {
    await page.evaluate((th) => (document.documentElement.dataset.theme = th), theme);
    const axe = await new AxeBuilder({ page }).analyze();
    const bad = axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(bad.map((v) => `${theme} ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`)).toEqual([]);
  }
});

test('zh: the device page speaks Chinese, and Stop ends the run between two models with the rows so far', async ({ page }) => {
  await page.goto('/zh/device/?runs=2&settle=0');
  await expect(page.locator('h1')).toHaveText(t('zh', 'device.title'));
  await expect(bench(page).locator('thead th').first()).toHaveText(t('zh', 'device.col.model'));
  await start(page);
  await expect(bench(page).locator('tbody tr').first()).toBeVisible();
  await bench(page).locator('[data-part="stop"]').click();
  await expect(bench(page)).toHaveAttribute('data-state', 'stopped');
  await expect(bench(page).locator('[data-part="status"]')).toHaveText(t('zh', 'device.stopped'));
  const rows = await bench(page).locator('tbody tr').count();
  expect(rows).toBeGreaterThan(0);
  expect(rows).toBeLessThan(LABELS.length);
  await expect(bench(page).locator('[data-part="run"]')).toBeEnabled();
});
