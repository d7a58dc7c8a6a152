/** The segmentation explorer, in both languages: both networks run on WebGPU (proved by the sessions' own
 * profiles) and on WASM, agree with each other and with PyTorch; the masks are drawn over the input; the
 * U diagram selects the level whose maps are shown; scenes can be composed with mouse and keyboard. */
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { CHAPTERS, LANGS, expect, test } from './fixtures';
import { canvasVariety, chooseProvider, openWidget, verify, widget } from './widget-helpers';
import { t } from '../../src/i18n';

/** Share of an overlay's pixels that are coloured (not grey): the drawn mask. */
function colouredShare(page: Page, selector: string) {
  return page.locator(selector).evaluate((c) => {
    const canvas = c as HTMLCanvasElement;
    const d = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let coloured = 0;
    for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i]! - d[i + 1]!) > 8 || Math.abs(d[i + 1]! - d[i + 2]!) > 8) coloured++;
    return coloured / (d.length / 4);
  });
}

const classPixels = async (page: Page) => JSON.parse((await widget(page).getAttribute('data-class-pixels'))!) as number[][];

for (const chapter of CHAPTERS.filter((c) => c.widget === 'segmentation')) {
  const card = JSON.parse(readFileSync(`public/models/${chapter.model}/card.json`, 'utf8')) as {
    labels: Record<string, string[]>;
    outputs: { name: string; label: Record<string, string> }[];
  };
  for (const lang of LANGS) {
    test.describe(`${lang}: ${chapter.slug} segmentation widget`, () => {
      test('both networks run on WebGPU and on WASM, agree, and reproduce PyTorch', async ({ page }) => {
        await openWidget(page, lang, chapter.slug, '?profile');
        await expect(widget(page)).toHaveAttribute('data-provider', 'webgpu');
        await expect(widget(page)).toHaveAttribute('data-profile', /Provider/);
        const profile = JSON.parse((await widget(page).getAttribute('data-profile'))!);
        expect(Object.keys(profile)).toEqual(['WebGpuExecutionProvider']);
        expect(profile.WebGpuExecutionProvider.ops).toEqual(expect.arrayContaining(['Conv', 'Concat', 'Resize', 'ArgMax']));

        // The first held-out scene: both masks are drawn in colour over the input.
        for (const net of [0, 1]) expect(await colouredShare(page, `[data-part="overlay-${net}"]`)).toBeGreaterThan(0.02);
        await page.locator('[data-part="scenes"] button').nth(1).click();
        await expect(widget(page)).toHaveAttribute('data-state', 'ready');
        console.log(`${lang} ${chapter.slug}: WebGPU warm run (both networks) ${await widget(page).getAttribute('data-ms')} ms`);
        const gpuPixels = await classPixels(page);
        const gpuIou = await widget(page).getAttribute('data-iou');
        const gpu = await verify(page);
        expect(gpu.provider).toBe('webgpu');
        expect(gpu.passed, JSON.stringify(gpu.rows)).toBe(gpu.total);

        await chooseProvider(page, 'wasm');
        await page.locator('[data-part="scenes"] button').nth(2).click();
        await page.locator('[data-part="scenes"] button').nth(1).click();
        await expect(widget(page)).toHaveAttribute('data-state', 'ready');
        console.log(`${lang} ${chapter.slug}: WASM warm run (both networks) ${await widget(page).getAttribute('data-ms')} ms`);
        // The class maps of the two backends agree: per class, at most a few pixels of 96×96 differ.
        const cpuPixels = await classPixels(page);
        cpuPixels.forEach((counts, net) => counts.forEach((n, c) => expect(Math.abs(n - gpuPixels[net]![c]!), `net ${net} class ${c}`).toBeLessThanOrEqual(5)));
        expect(JSON.parse((await widget(page).getAttribute('data-iou'))!)[0]).toBeCloseTo(JSON.parse(gpuIou!)[0], 2);
        const cpu = await verify(page);
        expect(cpu.provider).toBe('wasm');
        expect(cpu.passed, JSON.stringify(cpu.rows)).toBe(cpu.total);
        console.log(`${lang} ${chapter.slug}: max |diff| vs PyTorch, WebGPU ${Math.max(...gpu.rows.map((r) => r.maxAbs))}, WASM ${Math.max(...cpu.rows.map((r) => r.maxAbs))}`);
      });

      test('clicking a block of the U shows its maps in both networks', async ({ page }) => {
        await openWidget(page, lang, chapter.slug);
        const diagram = page.locator('[data-part="diagram"]');
        for (const name of ['enc2', 'bottleneck', 'dec3_up', 'dec2_cat', 'dec1_out', 'probs']) {
          await diagram.locator(`[data-output="${name}"]`).click();
          await expect(widget(page)).toHaveAttribute('data-selected', name);
          await expect(widget(page)).toHaveAttribute('data-state', 'ready');
          await expect(diagram.locator('[aria-pressed="true"]')).toHaveAttribute('data-output', name);
          const label = card.outputs.find((o) => o.name === name)!.label[lang]!;
          await expect(page.locator('[data-part="block-caption"]')).toContainText(label);
          const maps = await canvasVariety(page, '[data-part="maps-0"] canvas');
          expect(maps.length, name).toBeGreaterThan(0);
          expect(maps.some((v) => v > 0.05), name).toBe(true);
          // The twin has every block but the concatenations.
          if (name.endsWith('_cat')) {
            await expect(page.locator('[data-part="absent-1"]')).toBeVisible();
          } else {
            await expect(page.locator('[data-part="absent-1"]')).toBeHidden();
            expect((await canvasVariety(page, '[data-part="maps-1"] canvas')).some((v) => v > 0.05), name).toBe(true);
          }
        }
        // The probability maps are named by class, in the page's language.
        await expect(page.locator('[data-part="maps-0"] button').nth(1)).toHaveAttribute('aria-label', card.labels[lang]![1]!);
        // Keyboard: Enter on a focused block selects it.
        await diagram.locator('[data-output="enc4"]').focus();
        await page.keyboard.press('Enter');
        await expect(widget(page)).toHaveAttribute('data-selected', 'enc4');
      });

      test('compose a scene: random, add, drag, keyboard, opacity; IoU follows the ground truth', async ({ page }) => {
        // Tall enough that the scene and the whole garment palette below it are in view at once.
        await page.setViewportSize({ width: 1280, height: 1300 });
        await openWidget(page, lang, chapter.slug);
        // The legend names every garment class in the page's language.
        await expect(page.locator('.class-legend li')).toHaveText(card.labels[lang]!.slice(1));
        const scene = page.locator('[data-part="scene"]');
        const rows = page.locator('[data-part="iou"] tbody tr');

        await page.locator('[data-part="random"]').click();
        await expect(widget(page)).toHaveAttribute('data-state', 'ready');
        await expect(page.locator('[data-part="scenes"] button[aria-pressed="true"]')).toHaveCount(0);
        expect(Number(await scene.getAttribute('data-garments'))).toBeGreaterThanOrEqual(1);
        await expect(rows.last()).toContainText(t(lang, 'seg.pixelAccuracy'));
        await expect(page.locator('[data-part="no-truth"]')).toBeHidden();

        // An empty scene, then one garment by click: the ground truth now holds that garment's class.
        await page.locator('[data-part="clear"]').click();
        await expect(scene).toHaveAttribute('data-garments', '0');
        const garment = page.locator('[data-part="garments"] button').first();
        await garment.click();
        await expect(scene).toHaveAttribute('data-garments', '1');
        await expect(widget(page)).toHaveAttribute('data-state', 'ready');
        const label = (await garment.getAttribute('aria-label'))!;
        const className = card.labels[lang]!.slice(1).find((name) => label.includes(name))!;
        await expect(rows.filter({ hasText: className }).first()).toBeVisible();

        // Drag a second garment from the palette onto the scene's top-left corner (the scene's top kept
        // clear of the sticky site header, the palette below it in view).
        await scene.evaluate((c) => {
          c.scrollIntoView({ block: 'start' });
          window.scrollBy(0, -100);
        });
        const box = (await scene.boundingBox())!;
        // A coat: solid in the middle, where the drag below grabs it.
        const coat = page.locator(`[data-part="garments"] button[aria-label*="${card.labels[lang]![5]!}"]`).first();
        const source = (await coat.boundingBox())!;
        await page.mouse.move(source.x + source.width / 2, source.y + source.height / 2);
        await page.mouse.down();
        await page.mouse.move(box.x + box.width * 0.2, box.y + box.height * 0.2, { steps: 10 });
        await page.mouse.up();
        await expect(scene).toHaveAttribute('data-garments', '2');
        await expect(widget(page)).toHaveAttribute('data-state', 'ready');

        // Drag it within the scene, then nudge it with the keyboard: the input changes each time.
        const before = await scene.evaluate((c) => (c as HTMLCanvasElement).toDataURL());
        await page.mouse.move(box.x + box.width * 0.2, box.y + box.height * 0.2);
        await page.mouse.down();
        await page.mouse.move(box.x + box.width * 0.8, box.y + box.height * 0.8, { steps: 10 });
        await page.mouse.up();
        await expect(widget(page)).toHaveAttribute('data-state', 'ready');
        const dragged = await scene.evaluate((c) => (c as HTMLCanvasElement).toDataURL());
        expect(dragged).not.toBe(before);
        await scene.focus();
        await page.keyboard.press('Shift+ArrowLeft');
        await expect(widget(page)).toHaveAttribute('data-state', 'ready');
        expect(await scene.evaluate((c) => (c as HTMLCanvasElement).toDataURL())).not.toBe(dragged);
        await page.keyboard.press('Delete');
        await expect(scene).toHaveAttribute('data-garments', '1');

        // Opacity 0 shows the plain input; a higher opacity colours the predicted garment pixels.
        const slider = page.locator('[data-part="opacity"]');
        await slider.fill('0');
        expect(await colouredShare(page, '[data-part="overlay-0"]')).toBe(0);
        await slider.fill('1');
        expect(await colouredShare(page, '[data-part="overlay-0"]')).toBeGreaterThan(0.01);
      });
    });
  }
}
