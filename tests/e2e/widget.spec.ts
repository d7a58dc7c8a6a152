/**
 * What every chapter's widget must do, whatever its kind (each kind's own views are in the spec the
 * registry names for it). Each model runs once on WebGPU — onnxruntime's own profile proves every kernel
 * ran there, apart from those its card names as left to the CPU — and once on WASM, and both reproduce
 * PyTorch's golden tensors. The texts of failures, notices and uploads are checked in both languages on
 * WASM, which needs no WebGPU session.
 */
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { CHAPTERS, GPU_LANG, LANGS, expect, rerunAfterGpuCrash, test } from './fixtures';
import { chooseProvider, goldenCases, openWidget, squarePng, verify, widget } from './widget-helpers';
import { t, type Lang } from '../../src/i18n';
import { MAX_MEGAPIXELS } from '../../src/lib/input/image-file';

/** Images written by Pillow (make.py there). */
const IMAGES = 'tests/fixtures/images';

/** Opens the chapter without waiting for the widget to succeed (it is expected to fail). */
async function visit(page: Page, lang: Lang, slug: string, kind: string) {
  await page.goto(`/${lang}/${slug}/?provider=wasm`);
  await widget(page, kind).scrollIntoViewIfNeeded();
}

for (const chapter of CHAPTERS) for (const info of chapter.widgets) {
  // Everything is looked up inside this widget: a chapter may show more than one.
  const root = (page: Page) => widget(page, info.kind);
  const part = (page: Page, name: string) => root(page).locator(`[data-part="${name}"]`);
  const error = (page: Page) => part(page, 'error');
  const models = info.cards.map((c) => c.slug);
  // Every graph of the model fails alike; a widget loads them in its own order (the poem model's step graph
  // first), so the error may name any of them.
  const files = info.cards[0]!.graphs.map((g) => g.file);
  const route = `**/models/${models[0]}/*.onnx`;
  /** Uploads are pictures: they concern models that take an image. */
  const takesImage = info.cards[0]!.graphs[0]!.inputs.some((i) => i.kind === 'image');

  test.describe(`${chapter.slug} widget (${info.kind})`, () => {
    test(`${GPU_LANG}: runs every kernel on WebGPU, then on WASM, and both reproduce PyTorch`, rerunAfterGpuCrash(async ({ page }) => {
      await openWidget(page, GPU_LANG, chapter.slug, { profile: true, kind: info.kind });
      expect(await root(page).evaluate((e) => e.localName), 'the element the registry names').toBe(info.tag);
      await expect(root(page)).toHaveAttribute('data-provider', 'webgpu');
      await expect(part(page, 'notice')).toBeHidden();

      // From inside the page: onnxruntime's own profile of every session lists the kernels it ran.
      await expect(root(page)).toHaveAttribute('data-profile', /Provider/);
      const profile = JSON.parse((await root(page).getAttribute('data-profile'))!);
      // Only the operators a card names as left to the CPU (with its reason) may run there.
      const allowedOnCpu = new Set(info.cards.flatMap((c) => c.graphs.flatMap((g) => g.cpu_ops?.ops ?? [])));
      const onCpu: string[] = profile.CPUExecutionProvider?.ops ?? [];
      expect(onCpu.filter((op) => !allowedOnCpu.has(op)), 'kernels on the CPU that no card names').toEqual([]);
      expect(Object.keys(profile).filter((p) => p !== 'CPUExecutionProvider')).toEqual(['WebGpuExecutionProvider']);
      expect(profile.WebGpuExecutionProvider.count).toBeGreaterThan(5);
      console.log(`${chapter.slug}: first WebGPU run (shaders compiled) ${await root(page).getAttribute('data-ms')} ms`);

      const gpu = await verify(page, info.kind);
      expect(gpu.provider).toBe('webgpu');
      expect(gpu.passed, JSON.stringify(gpu.rows)).toBe(gpu.total);
      // Every output of every golden case of every model was compared.
      expect(gpu.total).toBe(info.cards.reduce((n, c) => n + goldenCases(c.slug).reduce((k, g) => k + Object.keys(g.outputs).length, 0), 0));

      await chooseProvider(page, 'wasm', info.kind);
      console.log(`${chapter.slug}: WASM run ${await root(page).getAttribute('data-ms')} ms`);
      const cpu = await verify(page, info.kind);
      expect(cpu.provider).toBe('wasm');
      expect(cpu.passed, JSON.stringify(cpu.rows)).toBe(cpu.total);
      expect(cpu.rows.map((r) => r.output)).toEqual(gpu.rows.map((r) => r.output));
      const worst = (rows: typeof gpu.rows) => Math.max(...rows.map((r) => r.maxAbs)).toExponential(1);
      console.log(`${chapter.slug}: max |diff| vs PyTorch, WebGPU ${worst(gpu.rows)}, WASM ${worst(cpu.rows)}`);
    }));

    for (const lang of LANGS) {
      test(`${lang}: a missing, a damaged and a cut-off model file each say so; Try again loads it`, async ({ page }) => {
        const says = async (key: 'error.modelMissing' | 'error.modelCorrupt' | 'error.downloadCut') => {
          await expect(root(page)).toHaveAttribute('data-state', 'error');
          expect(files.map((file) => t(lang, key, { file, status: 404 }))).toContain(await error(page).textContent());
        };
        await page.route(route, (r) => r.fulfill({ status: 404, body: '' }));
        await visit(page, lang, chapter.slug, info.kind);
        await says('error.modelMissing');
        await expect(page.locator('article h1')).toBeVisible(); // the rest of the page still works
        await page.unrouteAll();

        await page.route(route, (r) => r.fulfill({ status: 200, contentType: 'application/octet-stream', body: Buffer.from('not a model') }));
        await visit(page, lang, chapter.slug, info.kind);
        await says('error.modelCorrupt');
        await expect(part(page, 'retry')).toBeHidden();
        await page.unrouteAll();

        // Half the file, then the connection ends: the length the server announced never arrives.
        await page.route(route, async (r) => {
          const response = await r.fetch();
          const body = await response.body();
          await r.fulfill({ response, body: body.subarray(0, body.length >> 1), headers: { ...response.headers(), 'content-length': String(body.length) } });
        });
        await visit(page, lang, chapter.slug, info.kind);
        await says('error.downloadCut');
        await page.unrouteAll();
        await part(page, 'retry').click();
        await expect(root(page)).toHaveAttribute('data-state', 'ready');
        await expect(error(page)).toBeHidden();
      });

      test(`${lang}: without WebGPU, 'auto' runs on WASM and says why; asking for WebGPU explains why not`, async ({ page }) => {
        await page.addInitScript(() => Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined }));
        await openWidget(page, lang, chapter.slug, { kind: info.kind });
        await expect(root(page)).toHaveAttribute('data-provider', 'wasm');
        await expect(root(page)).toHaveAttribute('data-fallback', 'no-adapter');
        await expect(part(page, 'notice')).toHaveText(t(lang, 'widget.fellBack'));
        await part(page, 'provider').selectOption('webgpu');
        await expect(error(page)).toHaveText(t(lang, 'error.webgpuUnavailable'));
      });

      test(`${lang}: when WebGPU cannot make the session, 'auto' runs on WASM and says so`, async ({ page }) => {
        // An adapter that gives the page's first probe a device, then refuses onnxruntime's: the WebGPU
        // session fails before any shader is built.
        await page.addInitScript(() => {
          const adapter = (window as unknown as { GPUAdapter: { prototype: { requestDevice: (...a: unknown[]) => Promise<unknown> } } }).GPUAdapter;
          const original = adapter.prototype.requestDevice;
          let calls = 0;
          adapter.prototype.requestDevice = function (this: unknown, ...args: unknown[]) {
            calls += 1;
            return calls === 1 ? original.apply(this, args) : Promise.reject(new Error('test: no second device'));
          };
        });
        await openWidget(page, lang, chapter.slug, { kind: info.kind });
        await expect(root(page)).toHaveAttribute('data-provider', 'wasm');
        await expect(root(page)).toHaveAttribute('data-fallback', 'session-failed');
        await expect(part(page, 'notice')).toHaveText(t(lang, 'widget.fellBackSession'));
      });

      test(`${lang}: without crypto.subtle the widget still runs and says the files were not checked`, async ({ page }) => {
        await page.addInitScript(() => Object.defineProperty(Crypto.prototype, 'subtle', { get: () => undefined }));
        await openWidget(page, lang, chapter.slug, { provider: 'wasm', kind: info.kind });
        await expect(root(page)).toHaveAttribute('data-state', 'ready');
        await expect(part(page, 'unverified')).toHaveText(t(lang, 'widget.hashSkipped'));
      });

      if (takesImage) test(`${lang}: an upload that is not an image, an SVG, a 50-megapixel photo and a damaged PNG each say so, and a real image runs`, async ({ page }) => {
        await openWidget(page, lang, chapter.slug, { provider: 'wasm', kind: info.kind });
        await expect(part(page, 'unverified')).toBeHidden();
        const file = part(page, 'file');
        await file.setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
        await expect(error(page)).toHaveText(t(lang, 'error.notImage'));
        await file.setInputFiles({ name: 'fake.png', mimeType: 'image/png', buffer: Buffer.from('not really a png') });
        await expect(error(page)).toHaveText(t(lang, 'error.notImage'));
        await expect(root(page)).toHaveAttribute('data-state', 'error');
        await file.setInputFiles({ name: 'drawing.svg', mimeType: 'image/svg+xml', buffer: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>') });
        await expect(error(page)).toHaveText(t(lang, 'error.svgImage'));
        // 8000 × 6250 pixels in 6 KB: refused from its header, before the browser decodes it.
        await file.setInputFiles(`${IMAGES}/fifty-megapixels.png`);
        await expect(error(page)).toHaveText(t(lang, 'error.imageTooLarge', { width: 8000, height: 6250, megapixels: '50.0', max: MAX_MEGAPIXELS }));
        // A real PNG header, then garbage: an image, damaged.
        const png = readFileSync(`${IMAGES}/rgb.png`);
        await file.setInputFiles({ name: 'damaged.png', mimeType: 'image/png', buffer: Buffer.concat([png.subarray(0, 33), Buffer.alloc(64, 7)]) });
        await expect(error(page)).toHaveText(t(lang, 'error.imageDecode', { format: 'PNG' }));
        await file.setInputFiles({ name: 'square.png', mimeType: 'image/png', buffer: await squarePng(page) });
        await expect(error(page)).toBeHidden();
        await expect(root(page)).toHaveAttribute('data-state', 'ready'); // only a run gets it out of 'error'
        await expect(part(page, 'status')).toContainText(t(lang, 'widget.provider.wasm'));
      });
    }
  });
}
