/** The live model widget of every chapter, in both languages: it runs on WebGPU (proved by the session's
 * own profile) and on WASM, both reproduce PyTorch's golden tensors, and failures show their message.
 * The segmentation explorer's own views are tested in segmentation.spec.ts. */
import type { Page } from '@playwright/test';
import { CHAPTERS, LANGS, expect, test } from './fixtures';
import { canvasVariety, chooseProvider, openWidget, verify, widget } from './widget-helpers';
import { t } from '../../src/i18n';

const topClasses = (page: Page) => page.locator('[data-part^="top5"] li').allTextContents();

for (const chapter of CHAPTERS.filter((c) => c.widget)) {
  for (const lang of LANGS) {
    test.describe(`${lang}: ${chapter.slug} widget`, () => {
      const classifies = chapter.widget !== 'segmentation';

      // The classifiers' own views; the segmentation explorer's are in segmentation.spec.ts.
      if (classifies) {
        test('runs on WebGPU, then on WASM, and both reproduce PyTorch', async ({ page }) => {
          await openWidget(page, lang, chapter.slug, '?profile');
          await expect(widget(page)).toHaveAttribute('data-provider', 'webgpu');
          await expect(page.locator('[data-part="notice"]')).toBeHidden();

          // From inside the page: onnxruntime's own profile of this session lists every kernel it ran.
          await expect(widget(page)).toHaveAttribute('data-profile', /Provider/);
          const profile = JSON.parse((await widget(page).getAttribute('data-profile'))!);
          expect(Object.keys(profile)).toEqual(['WebGpuExecutionProvider']);
          expect(profile.WebGpuExecutionProvider.count).toBeGreaterThan(5);

          // Feature maps (and filters) are drawn, and not blank.
          const maps = chapter.widget === 'residual'
            ? ['[data-part^="grid-0-"] canvas', '[data-part^="grid-1-"] canvas']
            : ['[data-part="maps"] canvas', '[data-part="filters"] canvas'];
          for (const selector of maps) {
            const variety = await canvasVariety(page, selector);
            expect(variety.length, selector).toBeGreaterThan(0);
            expect(variety.filter((v) => v > 0.05).length, selector).toBeGreaterThan(variety.length / 2);
          }

          // A second sample: a warm run, whose time we log for the record.
          await page.locator('[data-part="samples"] button').nth(1).click();
          await expect(widget(page)).toHaveAttribute('data-state', 'ready');
          const webgpuTop = await topClasses(page);
          console.log(`${lang} ${chapter.slug}: WebGPU warm run ${await widget(page).getAttribute('data-ms')} ms`);

          const gpu = await verify(page);
          expect(gpu.provider).toBe('webgpu');
          expect(gpu.passed, JSON.stringify(gpu.rows)).toBe(gpu.total);

          await chooseProvider(page, 'wasm');
          await page.locator('[data-part="samples"] button').nth(2).click();
          await page.locator('[data-part="samples"] button').nth(1).click();
          await expect(widget(page)).toHaveAttribute('data-state', 'ready');
          console.log(`${lang} ${chapter.slug}: WASM warm run ${await widget(page).getAttribute('data-ms')} ms`);
          expect(await topClasses(page)).toEqual(webgpuTop);
          const cpu = await verify(page);
          expect(cpu.provider).toBe('wasm');
          expect(cpu.passed, JSON.stringify(cpu.rows)).toBe(cpu.total);
          console.log(`${lang} ${chapter.slug}: max |diff| vs PyTorch, WebGPU ${JSON.stringify(gpu.rows.map((r) => [r.name, r.maxAbs]))}, WASM ${JSON.stringify(cpu.rows.map((r) => [r.name, r.maxAbs]))}`);
        });

        test('every layer or block can be shown; drawing gives a prediction', async ({ page }) => {
          await openWidget(page, lang, chapter.slug);
          if (chapter.widget === 'residual') await exploreBlocks(page);
          else await exploreLayers(page);

          // A stroke on the pad: the input preview changes and the top-5 list is redrawn.
          const before = await canvasVariety(page, '[data-part="seen"]');
          const pad = page.locator('[data-part="pad"]');
          await pad.scrollIntoViewIfNeeded();
          const box = (await pad.boundingBox())!;
          await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.2);
          await page.mouse.down();
          await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.8, { steps: 8 });
          await page.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.8, { steps: 8 });
          await page.mouse.up();
          await expect(page.locator('[data-part="samples"] button[aria-pressed="true"]')).toHaveCount(0);
          await expect(widget(page)).toHaveAttribute('data-state', 'ready');
          expect(await canvasVariety(page, '[data-part="seen"]')).not.toEqual(before);
          await expect(page.locator('[data-part^="top5"]').first().locator('li')).toHaveCount(5);
        });

        async function exploreLayers(page: Page) {
          const layers = await page.locator('[data-part="layer"] option').evaluateAll((o) => o.map((x) => (x as HTMLOptionElement).value));
          for (const layer of layers) {
            await page.locator('[data-part="layer"]').selectOption(layer);
            await expect(widget(page)).toHaveAttribute('data-state', 'ready');
            const variety = await canvasVariety(page, '[data-part="maps"] canvas');
            expect(variety.some((v) => v > 0), layer).toBe(true);
          }
          await page.locator('[data-part="maps"] button').nth(2).click();
          await expect(page.locator('[data-part="maps"] button').nth(2)).toHaveAttribute('aria-pressed', 'true');
          await expect(page.locator('[data-part="big-caption"]')).toContainText('2');
        }

        async function exploreBlocks(page: Page) {
          // One bar per block and network, drawn from the exported ratios.
          const bars = page.locator('[data-part="ratios"] rect');
          const blocks = await page.locator('[data-part="block"] option').count();
          await expect(bars).toHaveCount(2 * blocks);
          const heights = await bars.evaluateAll((r) => r.map((x) => Number(x.getAttribute('height'))));
          expect(heights.some((h) => h > 0)).toBe(true);
          for (const block of [0, blocks - 1]) {
            await page.locator('[data-part="block"]').selectOption(String(block));
            await expect(widget(page)).toHaveAttribute('data-state', 'ready');
            for (const net of [0, 1]) {
              for (const part of ['x', 'fx', 'out']) {
                const variety = await canvasVariety(page, `[data-part="grid-${net}-${part}"] canvas`);
                expect(variety.some((v) => v > 0), `block ${block} net ${net} ${part}`).toBe(true);
              }
            }
          }
          await expect(page.locator('[data-part="top5-1"] li')).toHaveCount(5);
        }
      }

      test('a corrupt model file shows the damaged-model message', async ({ page }) => {
        await page.route(`**/models/${chapter.model}/model.onnx`, (route) =>
          route.fulfill({ status: 200, contentType: 'application/octet-stream', body: Buffer.from('not a model') }),
        );
        await page.goto(`/${lang}/${chapter.slug}/`);
        await widget(page).scrollIntoViewIfNeeded();
        await expect(page.locator('[data-part="error"]')).toHaveText(t(lang, 'error.modelCorrupt'));
        await expect(widget(page)).toHaveAttribute('data-state', 'error');
        await expect(page.locator('article h1')).toBeVisible(); // the rest of the page still works
      });

      test('without WebGPU it falls back to WASM and says so; asking for WebGPU explains why not', async ({ page }) => {
        await page.addInitScript(() => Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined }));
        await openWidget(page, lang, chapter.slug);
        await expect(widget(page)).toHaveAttribute('data-provider', 'wasm');
        await expect(page.locator('[data-part="notice"]')).toHaveText(t(lang, 'widget.fellBack'));
        await page.locator('[data-part="provider"]').selectOption('webgpu');
        await expect(page.locator('[data-part="error"]')).toHaveText(t(lang, 'error.webgpuUnavailable'));
      });

      test('a missing model file says so', async ({ page }) => {
        await page.route(`**/models/${chapter.model}/model.onnx`, (route) => route.fulfill({ status: 404, body: '' }));
        await page.goto(`/${lang}/${chapter.slug}/`);
        await widget(page).scrollIntoViewIfNeeded();
        await expect(page.locator('[data-part="error"]')).toHaveText(t(lang, 'error.modelMissing', { status: 404 }));
      });

      test('an upload that is not an image shows its message, and a real image runs', async ({ page }) => {
        await openWidget(page, lang, chapter.slug);
        const file = page.locator('[data-part="file"]');
        await file.setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
        await expect(page.locator('[data-part="error"]')).toHaveText(t(lang, 'error.notImage'));
        await file.setInputFiles({ name: 'fake.png', mimeType: 'image/png', buffer: Buffer.from('not really a png') });
        await expect(page.locator('[data-part="error"]')).toHaveText(t(lang, 'error.notImage'));
        // A real PNG: a white square on black, made by the browser itself.
        const png = await page.evaluate(async () => {
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
        await file.setInputFiles({ name: 'square.png', mimeType: 'image/png', buffer: Buffer.from(png) });
        await expect(page.locator('[data-part="error"]')).toBeHidden();
        await expect(widget(page)).toHaveAttribute('data-state', 'ready');
        if (classifies) {
          await expect(page.locator('[data-part^="top5"]').first().locator('li')).toHaveCount(5);
        } else {
          // An upload has no ground truth: the masks are drawn, the IoU table gives way to a note.
          await expect(page.locator('[data-part="no-truth"]')).toBeVisible();
          await expect(page.locator('[data-part="iou"]')).toBeHidden();
          expect((await canvasVariety(page, '[data-part^="overlay-"]')).every((v) => v > 0)).toBe(true);
        }
      });
    });
  }
}
