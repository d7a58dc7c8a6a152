/** Helpers shared by the widget tests: open a chapter's widget, switch backend, run the PyTorch check,
 * and measure whether canvases are blank. */
import type { Page } from '@playwright/test';
import { expect } from './fixtures';
import type { Lang } from '../../src/i18n';

export const widget = (page: Page) => page.locator('na-image-classifier, na-residual-explorer, na-segmentation-explorer');

export async function openWidget(page: Page, lang: Lang, slug: string, query = '') {
  await page.goto(`/${lang}/${slug}/${query}`);
  await widget(page).scrollIntoViewIfNeeded();
  await expect(widget(page)).toHaveAttribute('data-state', /ready|error/);
  await expect(page.locator('[data-part="error"]')).toBeHidden();
}

export async function chooseProvider(page: Page, provider: 'webgpu' | 'wasm') {
  await page.locator('[data-part="provider"]').selectOption(provider);
  await expect(widget(page)).toHaveAttribute('data-provider', provider);
  await expect(widget(page)).toHaveAttribute('data-state', 'ready');
}

export async function verify(page: Page) {
  await page.locator('details.verify summary').click();
  await page.locator('[data-part="verify"]').click();
  await expect(widget(page)).toHaveAttribute('data-verify', /passed/);
  const result = JSON.parse((await widget(page).getAttribute('data-verify'))!);
  await page.locator('details.verify summary').click();
  return result as { provider: string; passed: number; total: number; rows: { name: string; maxAbs: number; ok: boolean }[] };
}

/** Fraction of a canvas's pixels that differ from its first pixel: 0 for a blank map. */
export function canvasVariety(page: Page, selector: string) {
  return page.locator(selector).evaluateAll((canvases) =>
    (canvases as HTMLCanvasElement[]).map((c) => {
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let differ = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i] !== d[0] || d[i + 1] !== d[1] || d[i + 2] !== d[2]) differ++;
      return differ / (d.length / 4);
    }),
  );
}

