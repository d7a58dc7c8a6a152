/** Helpers shared by the widget tests: open a chapter's widget, switch backend, run the PyTorch check,
 * read PyTorch's golden values, and compare what a widget drew (maps, bars) with them. */
import { readFileSync } from 'node:fs';
import type { Locator, Page } from '@playwright/test';
import { expect } from './fixtures';
import { HTML_LANG, t, type Lang } from '../../src/i18n';
import { lut, type ColormapName } from '../../src/lib/viz/colormap';
import { decodeFloat16, parseGolden, type GoldenCase } from '../../src/lib/verify/golden';

/** A widget's root element: the one of `kind`, or the page's only widget whatever its kind. */
export const widget = (page: Page, kind?: string) => page.locator(kind ? `[data-widget="${kind}"]` : '[data-widget]');

/** Opens a chapter and waits until its widget has loaded and run (or failed). `provider` preselects the
 * backend through the URL: 'wasm' spares a test the WebGPU session it does not need. */
export async function openWidget(page: Page, lang: Lang, slug: string, opts: { provider?: 'wasm' | 'auto'; profile?: boolean; kind?: string } = {}) {
  const query = new URLSearchParams();
  if (opts.provider === 'wasm') query.set('provider', 'wasm');
  if (opts.profile) query.set('profile', '');
  await page.goto(`/${lang}/${slug}/${query.size ? `?${query}` : ''}`);
  const root = widget(page, opts.kind);
  await root.scrollIntoViewIfNeeded();
  await expect(root).toHaveAttribute('data-state', /ready|error/);
  await expect(root.locator('[data-part="error"]')).toBeHidden();
}

export async function chooseProvider(page: Page, provider: 'webgpu' | 'wasm', kind?: string) {
  const root = widget(page, kind);
  await root.locator('[data-part="provider"]').selectOption(provider);
  await expect(root).toHaveAttribute('data-provider', provider);
  await expect(root).toHaveAttribute('data-state', 'ready');
}

export interface VerifyResult {
  provider: string;
  passed: number;
  total: number;
  rows: { output: string; maxAbs: number; ok: boolean }[];
}

export async function verify(page: Page, kind?: string): Promise<VerifyResult> {
  const root = widget(page, kind);
  await root.locator('details.verify summary').click();
  await root.locator('[data-part="verify"]').click();
  await expect(root).toHaveAttribute('data-verify', /passed/);
  const result = JSON.parse((await root.getAttribute('data-verify'))!) as VerifyResult;
  await root.locator('details.verify summary').click();
  return result;
}

/** PyTorch's values of one output for one golden case: every element, or the stored points. */
export interface GoldenValues {
  shape: number[];
  /** Flat indices of `val`; null when `val` holds every element. */
  idx: Int32Array | null;
  val: Float32Array;
}

export function goldenCases(model: string): GoldenCase[] {
  return parseGolden(JSON.parse(readFileSync(`public/models/${model}/golden.json`, 'utf8'))).cases;
}

export function goldenValues(c: GoldenCase, output: string): GoldenValues {
  const out = c.outputs[output];
  if (!out) throw new Error(`golden case ${c.sample} has no output ${output}`);
  if (out.data !== undefined) return { shape: out.shape, idx: null, val: decodeFloat16(out.data) };
  const bytes = Buffer.from(out.idx!, 'base64');
  return { shape: out.shape, idx: new Int32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)), val: decodeFloat16(out.val!) };
}

/**
 * Checks that the canvases matched by `selector` (one per map: canvas k shows map k of the output, the last
 * two axes being its rows and columns) show PyTorch's values. Any linear colour scaling turns a value into
 * a colour-map position a·v + b, so per canvas the positions read back at the stored points must lie on an
 * increasing line through PyTorch's values there, within 3 of 255 steps (plus float16's rounding of the
 * stored value). A map of another input, a shifted, transposed, stale or blank map fails.
 *
 * A canvas of one colour is a map whose values vary less than one colour step on a scale shared with
 * other maps (a class the scene lacks, on the probabilities' common 0–1 scale): it passes when its values'
 * spread times the typical slope of the other canvases is below those 3 steps.
 */
export async function expectMapsShow(page: Page, selector: string, golden: GoldenValues, colormap: ColormapName, what: string) {
  const [h, w] = golden.shape.slice(-2) as [number, number];
  const count = golden.shape.slice(0, -2).reduce((a, b) => a * b, 1);
  const perMap: { at: number[]; value: number[] }[] = Array.from({ length: count }, () => ({ at: [], value: [] }));
  golden.val.forEach((value, k) => {
    const flat = golden.idx ? golden.idx[k]! : k;
    const map = perMap[Math.floor(flat / (h * w))]!;
    map.at.push(flat % (h * w));
    map.value.push(value);
  });
  const pixels = await page.locator(selector).evaluateAll((canvases, at) =>
    (canvases as HTMLCanvasElement[]).map((c, i) => {
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      return { size: [c.height, c.width], rgb: at[i]!.map((p) => [data[p * 4]!, data[p * 4 + 1]!, data[p * 4 + 2]!]) };
    }), perMap.map((m) => m.at));
  expect(pixels.length, `${what}: one canvas per map`).toBe(count);

  const table = lut(colormap);
  const position = new Map<string, number>();
  for (let i = 255; i >= 0; i--) position.set(`${table[i * 3]},${table[i * 3 + 1]},${table[i * 3 + 2]}`, i);
  const flat: { label: string; spread: number }[] = [];
  const slopes: number[] = [];
  pixels.forEach(({ size, rgb }, m) => {
    const label = `${what}, map ${m}`;
    expect(size, label).toEqual([h, w]);
    const q = rgb.map((c) => position.get(c.join(',')) ?? NaN);
    expect(q.filter(Number.isNaN), `${label}: colours not in the ${colormap} map`).toEqual([]);
    const p = perMap[m]!.value;
    const spread = Math.max(...p) - Math.min(...p);
    if (Math.max(...q) - Math.min(...q) <= 1) {
      flat.push({ label, spread });
      return;
    }
    const n = p.length;
    const mp = p.reduce((a, b) => a + b, 0) / n;
    const mq = q.reduce((a, b) => a + b, 0) / n;
    let cov = 0;
    let varP = 0;
    for (let k = 0; k < n; k++) {
      cov += (p[k]! - mp) * (q[k]! - mq);
      varP += (p[k]! - mp) ** 2;
    }
    const a = varP > 0 ? cov / varP : 0;
    const b = mq - a * mp;
    expect(a, `${label}: colours vary, but not with PyTorch's values`).toBeGreaterThan(0);
    const worst = Math.max(...p.map((v, k) => Math.abs(q[k]! - (a * v + b)) - a * Math.abs(v) * 2 ** -11));
    expect(worst, `${label}: colour positions off the line through PyTorch's values`).toBeLessThanOrEqual(3);
    slopes.push(a);
  });
  expect(slopes.length, `${what}: most maps have more than one colour`).toBeGreaterThanOrEqual(count / 2);
  const typical = slopes.sort((x, y) => x - y)[slopes.length >> 1]!;
  for (const { label, spread } of flat) expect(spread * typical, `${label}: one colour for values that differ`).toBeLessThanOrEqual(3);
}

/** Draws one stroke on the drawing pad through `points` (fractions of its width and height) and waits
 * until the drawing is the input (no shipped sample pressed) and the widget has run on it. */
export async function drawOnPad(page: Page, points: [number, number][]) {
  const pad = page.locator('[data-part="pad"]');
  await pad.scrollIntoViewIfNeeded();
  const box = (await pad.boundingBox())!;
  const at = ([x, y]: [number, number]) => [box.x + box.width * x, box.y + box.height * y] as const;
  await page.mouse.move(...at(points[0]!));
  await page.mouse.down();
  for (const point of points.slice(1)) await page.mouse.move(...at(point), { steps: 8 });
  await page.mouse.up();
  await expect(page.locator('[data-part="samples"] button[aria-pressed="true"]')).toHaveCount(0);
  await expect(widget(page)).toHaveAttribute('data-state', 'ready');
}

/** The RGBA pixels of every canvas matched by `selector`. */
export function readCanvases(page: Page, selector: string) {
  return page.locator(selector).evaluateAll((canvases) =>
    (canvases as HTMLCanvasElement[]).map((c) => Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data)),
  );
}

/** Per canvas, the fraction of its pixels whose colour differs between two readings. */
export function changedShare(before: number[][], after: number[][]): number[] {
  return after.map((pixels, i) => {
    const old = before[i] ?? [];
    let changed = 0;
    for (let k = 0; k < pixels.length; k += 4) {
      if (pixels[k] !== old[k] || pixels[k + 1] !== old[k + 1] || pixels[k + 2] !== old[k + 2]) changed++;
    }
    return changed / (pixels.length / 4);
  });
}

/**
 * Reads a top-5 list and checks it is one: five rows, percentages falling, each bar as wide as its number
 * says, together at most 100 %. With `probs` (PyTorch's), the rows must be its five largest classes with its
 * values. Returns the classes in order.
 */
export async function expectBars(list: Locator, labels: readonly string[], probs?: ArrayLike<number>): Promise<number[]> {
  const rows = list.locator('li');
  await expect(rows).toHaveCount(5);
  const read = await rows.evaluateAll((items) =>
    items.map((li) => ({
      cls: Number((li as HTMLElement).dataset.class),
      label: li.querySelector('.bar-label')!.textContent!,
      value: li.querySelector('.bar-value')!.textContent!,
      width: (li.querySelector('.bar-fill') as HTMLElement).style.width,
    })),
  );
  const values = read.map((r) => {
    expect(r.value, 'a percentage with one decimal').toMatch(/^\d{1,3}\.\d%$/);
    expect(r.width, 'bar width').toMatch(/^\d{1,3}(\.\d+)?%$/);
    const value = parseFloat(r.value);
    expect(Math.abs(parseFloat(r.width) - value), `bar of ${r.label} as wide as its number`).toBeLessThanOrEqual(0.05);
    expect(r.label).toBe(labels[r.cls]);
    return value;
  });
  for (let i = 1; i < values.length; i++) expect(values[i]!, 'sorted, largest first').toBeLessThanOrEqual(values[i - 1]!);
  expect(values.reduce((a, b) => a + b, 0), 'probabilities sum to at most 100 %').toBeLessThanOrEqual(100 + 5 * 0.05);
  expect(new Set(read.map((r) => r.cls)).size, 'five different classes').toBe(5);
  if (probs) {
    const top = Array.from(probs, (p, cls) => ({ p, cls })).sort((x, y) => y.p - x.p).slice(0, 5);
    read.forEach((r, i) => {
      expect(Math.abs(values[i]! - probs[r.cls]! * 100), `row ${i} (${r.label}) vs PyTorch`).toBeLessThanOrEqual(0.06);
      expect(Math.abs(probs[r.cls]! - top[i]!.p), `row ${i} is PyTorch's ${i + 1}. class`).toBeLessThanOrEqual(1e-3);
    });
  }
  return read.map((r) => r.cls);
}

/** A PNG made by the page itself: a light rectangle on black. */
export async function squarePng(page: Page): Promise<Buffer> {
  const bytes = await page.evaluate(async () => {
    const c = document.createElement('canvas');
    c.width = c.height = 64;
    const ctx = c.getContext('2d')!;
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, 64, 64);
    ctx.fillStyle = '#fff';
    ctx.fillRect(16, 8, 32, 48);
    const blob = await new Promise<Blob>((r) => c.toBlob((b) => r(b!), 'image/png'));
    return Array.from(new Uint8Array(await blob.arrayBuffer()));
  });
  return Buffer.from(bytes);
}

/** A unit and its input window as autograd finds it (tests/fixtures/receptive-fields.json). */
export interface MeasuredField {
  unit: [number, number];
  rows: [number, number];
  cols: [number, number];
}

/** The windows autograd found for some units of every feature map of model `slug`, by output name. */
export function measuredFields(slug: string): Record<string, MeasuredField[]> {
  const all = JSON.parse(readFileSync('tests/fixtures/receptive-fields.json', 'utf8'));
  if (!all[slug]) throw new Error(`tests/fixtures/receptive-fields.json has no ${slug}: run training/receptive_fixture.py`);
  return all[slug];
}

/** Clicks each unit on the enlarged map (parts of EnlargedMap.astro with `suffix`) and checks that the
 * outline on the input copy covers the window autograd found for it, in its attributes and on screen. */
export async function expectFieldsOutlined(root: Locator, units: MeasuredField[], suffix = '') {
  const part = (name: string) => root.locator(`[data-part="${suffix ? `${name}-${suffix}` : name}"]`);
  const big = part('big');
  const input = part('rf-input');
  await expect(part('rf')).toBeVisible();
  const [rows, cols] = await big.evaluate((c) => [(c as HTMLCanvasElement).height, (c as HTMLCanvasElement).width]);
  const [height, width] = await input.evaluate((c) => [(c as HTMLCanvasElement).height, (c as HTMLCanvasElement).width]);
  // A unit of a 96-wide map is under 2 CSS pixels on screen, and the browser reports whole pixels: click the
  // first whole pixel inside the unit.
  const inside = (start: number, size: number, n: number, u: number) => Math.floor(start + (u * size) / n) + 1;
  for (const m of units) {
    await big.scrollIntoViewIfNeeded();
    const at = (await big.boundingBox())!;
    await root.page().mouse.click(inside(at.x, at.width, cols!, m.unit[1]), inside(at.y, at.height, rows!, m.unit[0]));
    const box = part('rf-box');
    await expect(box).toHaveAttribute('data-rows', m.rows.join(','));
    await expect(box).toHaveAttribute('data-cols', m.cols.join(','));
    // Drawn where those pixels are: the box's edges within a pixel of the window's on the input copy.
    const img = (await input.boundingBox())!;
    const drawn = (await box.boundingBox())!;
    const px = img.width / width!;
    expect(Math.abs(drawn.x - (img.x + m.cols[0] * px)), 'left edge').toBeLessThan(px);
    expect(Math.abs(drawn.y - (img.y + m.rows[0] * (img.height / height!))), 'top edge').toBeLessThan(px);
    expect(Math.abs(drawn.width - (m.cols[1] - m.cols[0]) * px), 'width').toBeLessThan(px);
  }
}

/** Pastes ten thousand characters into a widget's one-line text box: the box keeps the first
 * `data-max-chars` of them, and a notice says the text was cut. */
export async function expectLongTextCut(page: Page, lang: Lang, kind: string) {
  const root = widget(page, kind);
  const box = root.locator('[data-part="text"]');
  const max = Number(await box.getAttribute('data-max-chars'));
  expect(max).toBeGreaterThan(0);
  const pasted = (lang === 'zh' ? '春眠不觉晓处处闻啼鸟' : 'one hundred ').repeat(1000).slice(0, 10_000);
  await box.fill(pasted);
  expect(await box.inputValue()).toBe(pasted.slice(0, max));
  await expect(root.locator('[data-part="cut"]')).toHaveText(t(lang, 'widget.textCut', { max: max.toLocaleString(HTML_LANG[lang]) }));
}
