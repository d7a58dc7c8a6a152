/** The diffusion explorer's own views (kind "diffusion-explorer"). On WASM: the forward view shows the
 * schedule's ᾱ_t and the trained model's guess of x₀ (close to x₀ at small t, not at large t); a short
 * generation completes step by step, draws its frames and can be replayed; Stop ends a long one between
 * steps; sixteen samples come as one batch. On WebGPU and WASM: the same seed draws the same image. */
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { GPU_LANG, VIEW_LANG as lang, chaptersOf, expect, rerunAfterGpuCrash, test } from './fixtures';
import { chooseProvider, openWidget, readCanvases, widget } from './widget-helpers';
import { diffusionLayout } from '../../src/components/widgets/diffusion-card';
import { t } from '../../src/i18n';

/** Grey levels (0–255) of a canvas drawn with the grey colour map. */
const greys = async (page: Page, part: string) => (await readCanvases(page, `[data-part="${part}"]`))[0]!.filter((_, i) => i % 4 === 0);
const meanAbs = (a: number[], b: number[]) => a.reduce((s, v, i) => s + Math.abs(v - b[i]!), 0) / a.length / 255;

async function generate(page: Page, steps: number, seed = 1) {
  await page.locator('[data-part="steps"]').selectOption(String(steps));
  await page.locator('[data-part="seed"]').fill(String(seed));
  await page.locator('[data-part="generate"]').click();
  await expect(widget(page)).toHaveAttribute('data-generated', String(steps), { timeout: 120_000 });
  await expect(widget(page)).toHaveAttribute('data-state', 'ready');
}

for (const chapter of chaptersOf('diffusion-explorer')) {
  const card = chapter.widget.cards[0]!;
  const d = diffusionLayout(card);
  const schedule = JSON.parse(readFileSync(`public/models/${card.slug}/${d.sampler.schedule}`, 'utf8')) as { T: number; alphas_cumprod: number[] };

  test.describe(`${lang}: ${chapter.slug} diffusion explorer`, () => {
    test('the forward view follows the schedule, and the model removes most of the noise at mid t, not from pure noise', async ({ page }) => {
      await openWidget(page, lang, chapter.slug, { provider: 'wasm' });
      await expect(page.locator('[data-part="samples"] button[aria-pressed="true"]')).toHaveCount(1);
      const slider = page.locator('[data-part="t"]');
      await expect(slider).toHaveAttribute('max', String(schedule.T - 1));
      const at = async (step: number) => {
        await slider.fill(String(step));
        const abar = schedule.alphas_cumprod[step]!;
        await expect(page.locator('[data-part="forward-stats"]')).toContainText(`ᾱ_t = ${abar.toPrecision(4)}`);
        await expect(widget(page)).toHaveAttribute('data-state', 'ready');
        return { x0: await greys(page, 'x0'), xt: await greys(page, 'xt'), guess: await greys(page, 'guess') };
      };
      // Where x_t is clearly noisy, the trained model's guess lies nearer x₀ than x_t does.
      const mid = await at(Math.round(schedule.T * 0.4));
      expect(meanAbs(mid.xt, mid.x0), 'x_t at t = 0.4 T is noisy').toBeGreaterThan(0.1);
      expect(meanAbs(mid.guess, mid.x0), 'the guess removes most of the noise').toBeLessThan(meanAbs(mid.xt, mid.x0) / 2);
      const late = await at(schedule.T - 1);
      expect(meanAbs(late.xt, late.x0), 'x_t at the end is noise').toBeGreaterThan(0.2);
      expect(meanAbs(late.guess, late.x0), 'from pure noise the guess cannot be this image').toBeGreaterThan(meanAbs(mid.guess, mid.x0));
    });

    test('a generation runs step by step, can be replayed and shows the UNet; Stop ends a long one; sixteen come at once', async ({ page }) => {
      await openWidget(page, lang, chapter.slug, { provider: 'wasm' });
      await generate(page, 10);
      await expect(page.locator('[data-part="gen-stats"]')).toContainText('10');
      const frame = page.locator('[data-part="frame"]');
      await expect(frame).toHaveAttribute('max', '9');
      await expect(frame).toBeEnabled();
      const strip = (await readCanvases(page, '[data-part="frames"]'))[0]!;
      expect(new Set(strip).size, 'frames drawn').toBeGreaterThan(10);
      // Replaying: the first step's x_t is the start noise, the last step's x̂₀ the result.
      const last = await greys(page, 'step-x0');
      await frame.fill('0');
      await expect(page.locator('[data-part="frame-value"]')).toHaveText(t(lang, 'diffusion.frameValue', { step: 1, total: 10, t: schedule.T - 1 }));
      expect(meanAbs(await greys(page, 'step-x0'), last), 'the first guess is not the result').toBeGreaterThan(0.02);
      await expect(page.locator('[data-part="maps"] canvas')).toHaveCount(d.features[0]!.shape[1] as number);

      // Stop between steps of a long run: pressed from inside the page once the third step is reported (a
      // WASM sample can end before a poll from here sees the button), the steps so far stay.
      await page.locator('[data-part="steps"]').selectOption('100');
      await page.evaluate(() => {
        const stop = document.querySelector<HTMLButtonElement>('[data-part="stop"]')!;
        const progress = document.querySelector<HTMLProgressElement>('[data-part="progress"]')!;
        const watch = new MutationObserver(() => {
          if (!stop.hidden && progress.value >= 0.03) {
            watch.disconnect();
            stop.click();
          }
        });
        watch.observe(progress, { attributes: true });
      });
      await page.locator('[data-part="generate"]').click();
      await expect(page.locator('[data-part="status"]')).toHaveText(t(lang, 'widget.stopped'));
      await expect(widget(page)).toHaveAttribute('data-state', 'ready');
      expect(Number(await widget(page).getAttribute('data-generated'))).toBeLessThan(100);

      await page.locator('[data-part="steps"]').selectOption('10');
      await page.locator('[data-part="generate16"]').click();
      await expect(page.locator('[data-part="grid16"] canvas')).toHaveCount(16, { timeout: 120_000 });
      await expect(widget(page)).toHaveAttribute('data-state', 'ready');
      // Seed 1 alone and seed 1 in the batch of sixteen are the same picture.
      const grid = await readCanvases(page, '[data-part="grid16"] canvas');
      const first = grid[0]!.filter((_, i) => i % 4 === 0);
      expect(meanAbs(first, last), 'seed 1 in the batch vs seed 1 alone').toBeLessThan(0.01);
      expect(meanAbs(first, grid[1]!.filter((_, i) => i % 4 === 0)), 'two seeds, two pictures').toBeGreaterThan(0.02);
    });
  });

  test(`${GPU_LANG}: ${chapter.slug}: the same seed draws the same image on WebGPU and on WASM`, rerunAfterGpuCrash(async ({ page }) => {
    await openWidget(page, GPU_LANG, chapter.slug);
    await expect(widget(page)).toHaveAttribute('data-provider', 'webgpu');
    await generate(page, 10, 7);
    const gpu = await greys(page, 'step-x0');
    await chooseProvider(page, 'wasm');
    await generate(page, 10, 7);
    expect(meanAbs(await greys(page, 'step-x0'), gpu), 'WebGPU vs WASM, seed 7').toBeLessThan(0.01);
  }));
}
