/** The segmentation explorer's own views (kind "segmentation-explorer"), on WASM: every block of the U shows
 * PyTorch's maps for the first held-out scene in both networks, and a unit picked on an enlarged channel gets
 * the receptive field autograd finds (tests/fixtures/receptive-fields.json); on every held-out scene the drawn masks,
 * read back from the canvas, give the IoU table's numbers against the scene's truth and PyTorch's per-scene
 * IoU, and the ground-truth panel beside them draws the shipped labels; scenes can be composed with mouse
 * and keyboard, the truth panel drawing the composer's label map (src/lib/input/scene.ts, checked against
 * Python's in tests/unit/scene.test.ts); an upload has no truth, and the panel says so. */
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { VIEW_LANG as lang, chaptersOf, expect, test } from './fixtures';
import {
  expectFieldsOutlined, expectMapsShow, goldenCases, goldenValues, measuredFields, openWidget, readCanvases, squarePng, widget,
} from './widget-helpers';
import { t } from '../../src/i18n';
import { classColour } from '../../src/lib/viz/mask-overlay';
import { addGarment, randomScene, renderScene, type Garment, type SceneRecipe } from '../../src/lib/input/scene';

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

/** The class of every pixel of an overlay drawn at opacity 1: a class's own colour, or grey for none. */
function classesOf(rgba: number[], classes: number): number[] {
  const byColour = new Map<string, number>();
  for (let c = 1; c < classes; c++) byColour.set(classColour(c)!.join(','), c);
  const out: number[] = [];
  for (let i = 0; i < rgba.length; i += 4) {
    const [r, g, b] = [rgba[i]!, rgba[i + 1]!, rgba[i + 2]!];
    const c = r === g && g === b ? 0 : byColour.get(`${r},${g},${b}`);
    if (c === undefined) throw new Error(`pixel ${i / 4}: ${r},${g},${b} is no class colour`);
    out.push(c);
  }
  return out;
}

/** Per class: intersection over union of prediction and truth, null where the class is in neither. */
function iouPerClass(pred: number[], truth: ArrayLike<number>, classes: number): (number | null)[] {
  return Array.from({ length: classes }, (_, c) => {
    let inter = 0;
    let union = 0;
    for (let i = 0; i < pred.length; i++) {
      const p = pred[i] === c;
      const g = truth[i] === c;
      if (p && g) inter++;
      if (p || g) union++;
    }
    return union ? inter / union : null;
  });
}

/** How many pixels of the ground-truth panel (drawn at opacity 1) differ from the label map `truth`. */
async function truthMismatches(page: Page, truth: ArrayLike<number>, classes: number): Promise<number> {
  const [rgba] = await readCanvases(page, '[data-part="truth"]');
  const shown = classesOf(rgba!, classes);
  if (shown.length !== truth.length) return Math.max(shown.length, truth.length);
  return shown.filter((c, i) => c !== truth[i]).length;
}

const exactly = (text: string) => new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
const pct = (text: string) => (text === '–' ? null : parseFloat(text));

for (const chapter of chaptersOf('segmentation-explorer')) {
  const cards = chapter.widget.cards;
  const names = cards[0]!.labels![lang];
  const golden = cards.map((c) => goldenCases(c.slug)[0]!);
  const samples = JSON.parse(readFileSync(`public/models/${cards[0]!.slug}/samples.json`, 'utf8')) as {
    width: number;
    samples: { pixels: string; label: number }[];
    scenes: { id: string; labels: string }[];
  };
  /** The palette's garments, in the widget's order, for the composer here in Node. */
  const garments: Garment[] = samples.samples.map((s) => ({ pixels: new Uint8Array(Buffer.from(s.pixels, 'base64')), side: samples.width, label: s.label }));
  const recipe: SceneRecipe = cards[0]!.scene!;
  /** PyTorch's numbers per held-out scene, from each model's card. */
  const perScene = cards.map((c) => c.samples as unknown as { scene_mean_iou: number[]; class_pixels: number[][] });

  test.describe(`${lang}: ${chapter.slug} segmentation explorer`, () => {
    test('every block of the U shows PyTorch’s maps in both networks, and a unit’s receptive field as autograd finds it', async ({ page }) => {
      await openWidget(page, lang, chapter.slug, { provider: 'wasm' });
      expect(golden[1]!.sample).toBe(golden[0]!.sample);
      await expect(page.locator('[data-part="scenes"] button[aria-pressed="true"]')).toHaveAttribute('data-sample', golden[0]!.sample);
      const diagram = page.locator('[data-part="diagram"]');
      const blocks = await diagram.locator('[data-output]').evaluateAll((g) => g.map((x) => x.getAttribute('data-output')!));
      const outputs = cards.map((c) => c.graphs[0]!.outputs);
      const fields = cards.map((c) => measuredFields(c.slug));
      // Every output but the class map is a block of the U.
      expect(blocks.sort()).toEqual(outputs[0]!.filter((o) => o.role !== 'mask').map((o) => o.name).sort());
      for (const name of blocks) {
        await diagram.locator(`[data-output="${name}"]`).click();
        await expect(widget(page)).toHaveAttribute('data-selected', name);
        await expect(widget(page)).toHaveAttribute('data-state', 'ready');
        await expect(diagram.locator('[aria-pressed="true"]')).toHaveAttribute('data-output', name);
        const spec = outputs[0]!.find((o) => o.name === name)!;
        await expect(page.locator('[data-part="block-caption"]')).toHaveText(`${spec.label[lang]} · ${spec.shape.slice(1).join('×')}`);
        for (const net of [0, 1]) {
          if (!outputs[net]!.some((o) => o.name === name)) {
            // The twin has every block but the concatenations.
            await expect(page.locator(`[data-part="absent-${net}"]`)).toBeVisible();
            await expect(page.locator(`[data-part="maps-${net}"]`)).toBeHidden();
            await expect(page.locator(`[data-part="enlarged-${net}"]`)).toBeHidden();
            continue;
          }
          await expect(page.locator(`[data-part="absent-${net}"]`)).toBeHidden();
          await expectMapsShow(page, `[data-part="maps-${net}"] canvas`, goldenValues(golden[net]!, name), 'viridis', `${cards[net]!.slug} ${name}`);
          const measured = fields[net]![name];
          if (measured) await expectFieldsOutlined(widget(page), measured, String(net));
          else await expect(page.locator(`[data-part="rf-${net}"]`), `${name} has no receptive field`).toBeHidden();
        }
      }
      // The probability maps are named by class, in the page's language.
      await diagram.locator('[data-output="probs"]').click();
      await expect(page.locator('[data-part="maps-0"] button').nth(1)).toHaveAttribute('aria-label', names[1]!);
      // Keyboard: Enter on a focused block selects it.
      await diagram.locator(`[data-output="${blocks[0]}"]`).focus();
      await page.keyboard.press('Enter');
      await expect(widget(page)).toHaveAttribute('data-selected', blocks[0]!);
    });

    test('on every held-out scene, the IoU table gives the drawn masks’ IoU against the truth, as PyTorch’s', async ({ page }) => {
      await openWidget(page, lang, chapter.slug, { provider: 'wasm' });
      await page.locator('[data-part="opacity"]').fill('1'); // pure class colours: the masks read back exactly
      const table = page.locator('[data-part="iou"]');
      for (const [i, scene] of samples.scenes.entries()) {
        await page.locator(`[data-part="scenes"] button[data-sample="${scene.id}"]`).click();
        await expect(page.locator(`[data-part="scenes"] button[data-sample="${scene.id}"]`)).toHaveAttribute('aria-pressed', 'true');
        await expect(widget(page)).toHaveAttribute('data-state', 'ready');
        await expect(table).toBeVisible();
        const truth = Buffer.from(scene.labels, 'base64');
        // The ground-truth panel beside the predictions draws the scene's shipped labels, pixel for pixel.
        await expect(page.locator('[data-part="truth"]')).toBeVisible();
        await expect(page.locator('[data-part="truth-none"]')).toBeHidden();
        expect(await truthMismatches(page, truth, names.length), `${scene.id}: ground-truth panel vs shipped labels`).toBe(0);
        const drawn = await readCanvases(page, '[data-part^="overlay-"]');
        const rows = await table.locator('tbody tr').evaluateAll((trs) =>
          trs.map((tr) => [tr.querySelector('th')!.textContent!, ...[...tr.querySelectorAll('td')].map((td) => td.textContent!)]));
        for (const net of [0, 1]) {
          const pred = classesOf(drawn[net]!, names.length);
          const label = `${scene.id}, ${cards[net]!.slug}`;
          // The drawn mask is PyTorch's, up to a few pixels whose two best classes tie.
          const counts = names.map((_, c) => pred.filter((p) => p === c).length);
          counts.forEach((n, c) => expect(Math.abs(n - perScene[net]!.class_pixels[i]![c]!), `${label}: pixels of class ${c}`).toBeLessThanOrEqual(5));
          const iou = iouPerClass(pred, truth, names.length);
          for (const [c, value] of iou.entries()) {
            // A class in neither network's prediction nor the truth has no row; otherwise '–' marks null.
            const row = rows.find((r) => r[0] === names[c]);
            if (row === undefined) expect(value, `${label}: no row for ${names[c]}`).toBeNull();
            else if (value === null) expect(row[1 + net], `${label}: ${names[c]}`).toBe('–');
            else expect(Math.abs(pct(row[1 + net]!)! - value * 100), `${label}: IoU of ${names[c]}`).toBeLessThanOrEqual(0.051);
          }
          const present = iou.filter((v): v is number => v !== null);
          const mean = (present.reduce((a, b) => a + b, 0) / present.length) * 100;
          const meanRow = rows.find((r) => r[0] === t(lang, 'seg.meanIou'))!;
          expect(Math.abs(pct(meanRow[1 + net]!)! - mean), `${label}: mean IoU of the drawn mask`).toBeLessThanOrEqual(0.051);
          expect(Math.abs(pct(meanRow[1 + net]!)! - perScene[net]!.scene_mean_iou[i]! * 100), `${label}: mean IoU vs PyTorch`).toBeLessThanOrEqual(0.5);
          const accuracy = (pred.filter((p, k) => p === truth[k]).length / pred.length) * 100;
          const accuracyRow = rows.find((r) => r[0] === t(lang, 'seg.pixelAccuracy'))!;
          expect(Math.abs(pct(accuracyRow[1 + net]!)! - accuracy), `${label}: pixel accuracy`).toBeLessThanOrEqual(0.051);
        }
      }
    });

    test('compose a scene: random, add, drag, keyboard, opacity; the truth panel; an upload has no truth', async ({ page }) => {
      // Tall enough that the scene and the whole garment palette below it are in view at once.
      await page.setViewportSize({ width: 1280, height: 1300 });
      await openWidget(page, lang, chapter.slug, { provider: 'wasm' });
      // The legend names every garment class in the page's language.
      await expect(page.locator('.class-legend li')).toHaveText(names.slice(1));
      const scene = page.locator('[data-part="scene"]');
      const rows = page.locator('[data-part="iou"] tbody tr');

      // The three panels, predictions and truth, sit side by side at the same size.
      await expect(page.locator('.mask-pair figcaption')).toHaveText([t(lang, 'seg.withSkips'), t(lang, 'seg.withoutSkips'), t(lang, 'seg.truth')]);
      const panels = await page.locator('.mask-pair figure').evaluateAll((fs) => fs.map((f) => f.getBoundingClientRect().toJSON() as DOMRect));
      expect(new Set(panels.map((r) => Math.round(r.top))).size, 'panels in one row').toBe(1);
      expect(new Set(panels.map((r) => Math.round(r.width))).size, 'panels of one width').toBe(1);
      await page.locator('[data-part="opacity"]').fill('1'); // pure class colours: the truth panel reads back exactly

      // A random scene, with Math.random pinned so that Node composes the same one from the same seed.
      await page.evaluate(() => {
        Object.assign(window, { unpinnedRandom: Math.random });
        Math.random = () => 0.25;
      });
      await page.locator('[data-part="random"]').click();
      await expect(widget(page)).toHaveAttribute('data-state', 'ready');
      await page.evaluate(() => {
        Math.random = (window as unknown as { unpinnedRandom: () => number }).unpinnedRandom;
      });
      const composed = renderScene(randomScene(Math.floor(0.25 * 2 ** 32), garments, recipe), recipe).labels;
      expect(new Set(composed).size, 'the composed scene has garments').toBeGreaterThan(1);
      await expect(page.locator('[data-part="truth"]')).toBeVisible();
      await expect.poll(() => truthMismatches(page, composed, names.length), { message: 'truth panel vs the composer’s random scene' }).toBe(0);
      await expect(page.locator('[data-part="scenes"] button[aria-pressed="true"]')).toHaveCount(0);
      expect(Number(await scene.getAttribute('data-garments'))).toBeGreaterThanOrEqual(1);
      await expect(rows.last()).toContainText(t(lang, 'seg.pixelAccuracy'));
      await expect(page.locator('[data-part="no-truth"]')).toBeHidden();

      // An empty scene, then one garment by click.
      await page.locator('[data-part="clear"]').click();
      await expect(scene).toHaveAttribute('data-garments', '0');
      await expect(widget(page)).toHaveAttribute('data-state', 'ready');
      // The truth now holds that garment's class, and the table has a row for it.
      const garment = page.locator('[data-part="garments"] button').first();
      await garment.click();
      await expect(scene).toHaveAttribute('data-garments', '1');
      await expect(widget(page)).toHaveAttribute('data-state', 'ready');
      // Its truth: the first palette garment, added in the middle (the seed moves only the background).
      const one = addGarment({ size: recipe.size, seed: 0, placed: [] }, garments[0]!, recipe.size / 2, recipe.size / 2, recipe);
      await expect.poll(() => truthMismatches(page, renderScene(one, recipe).labels, names.length), { message: 'truth panel vs one added garment' }).toBe(0);
      const label = (await garment.getAttribute('aria-label'))!;
      const className = names.slice(1).find((name) => label.includes(name))!;
      await expect(rows.filter({ has: page.locator('th', { hasText: exactly(className) }) })).toHaveCount(1);

      // Drag a second garment from the palette onto the scene's top-left corner (the scene's top kept
      // clear of the sticky site header, the palette below it in view).
      await scene.evaluate((c) => {
        c.scrollIntoView({ block: 'start' });
        window.scrollBy(0, -100);
      });
      const box = (await scene.boundingBox())!;
      // A coat: solid in the middle, where the drag below grabs it.
      const coat = page.locator(`[data-part="garments"] button[aria-label*="${names[5]!}"]`).first();
      const source = (await coat.boundingBox())!;
      await page.mouse.move(source.x + source.width / 2, source.y + source.height / 2);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * 0.2, box.y + box.height * 0.2, { steps: 10 });
      await page.mouse.up();
      await expect(scene).toHaveAttribute('data-garments', '2');
      await expect(widget(page)).toHaveAttribute('data-state', 'ready');
      await expect(rows.filter({ has: page.locator('th', { hasText: exactly(names[5]!) }) })).toHaveCount(1);

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

      // An upload has no ground truth: the masks are drawn, the IoU table gives way to a note.
      await page.locator('[data-part="file"]').setInputFiles({ name: 'square.png', mimeType: 'image/png', buffer: await squarePng(page) });
      await expect(widget(page)).toHaveAttribute('data-state', 'ready');
      await expect(page.locator('[data-part="no-truth"]')).toHaveText(t(lang, 'seg.noTruth'));
      await expect(page.locator('[data-part="iou"]')).toBeHidden();
      // The truth panel keeps its place and says why it is empty.
      await expect(page.locator('[data-part="truth"]')).toBeHidden();
      await expect(page.locator('[data-part="truth-none"]')).toHaveText(t(lang, 'seg.truthNone'));
      await expect(page.locator('[data-part="truth-none"]')).toBeVisible();

      // On a phone the three panels still sit side by side, as large as each other.
      await page.setViewportSize({ width: 360, height: 800 });
      const small = await page.locator('.mask-pair figure').evaluateAll((fs) => fs.map((f) => f.getBoundingClientRect().toJSON() as DOMRect));
      expect(new Set(small.map((r) => Math.round(r.top))).size, 'panels in one row on a phone').toBe(1);
      expect(new Set(small.map((r) => Math.round(r.width))).size, 'panels of one width on a phone').toBe(1);
      const note = (await page.locator('[data-part="truth-none"]').boundingBox())!;
      const canvas = (await page.locator('[data-part="overlay-0"]').boundingBox())!;
      expect(Math.abs(note.height - canvas.height), 'the note fills the panel’s square').toBeLessThanOrEqual(2);
    });
  });
}
