/** The widget base, once (not per model): a failed download of the inference runtime and its Try again, a
 * backend switch while WebGPU is still loading, and a crash of the GPU process caused on purpose (Chrome
 * DevTools Protocol, Browser.crashGpuProcess), after which 'auto' carries on on WASM and says why, and the
 * fixtures recognise the crash's signature (the one reason a WebGPU test may run again). In a browser of
 * their own, so that the crash touches no other test. */
import config from '../../playwright.config';
import { CHAPTERS, GPU_LANG as lang, LANGS, expect, rerunAfterGpuCrash, test } from './fixtures';
import { openWidget, widget } from './widget-helpers';
import { t } from '../../src/i18n';

const chapter = CHAPTERS.find((c) => c.widgets.some((w) => w.kind === 'image-classifier'))!;
const launch = config.use!.launchOptions!;
// Another launch option than the config's: Playwright gives these tests their own worker and browser.
test.use({ launchOptions: { ...launch, args: [...launch.args!, '--disable-gpu-process-crash-limit'] } });

for (const language of LANGS) {
  test(`${language}: a failed download of the inference runtime says so; Try again loads it`, async ({ page }) => {
    // onnxruntime's WebAssembly binary: the first request for it fails, as a dropped connection would.
    let requests = 0;
    await page.route('**/*.wasm', (route) => (requests++ ? route.continue() : route.abort('connectionreset')));
    await page.goto(`/${language}/${chapter.slug}/?provider=wasm`);
    await widget(page).scrollIntoViewIfNeeded();
    await expect(page.locator('[data-part="error"]')).toHaveText(t(language, 'error.runtimeDownload'));
    await page.locator('[data-part="retry"]').click();
    await expect(widget(page)).toHaveAttribute('data-state', 'ready');
    await expect(page.locator('[data-part="error"]')).toBeHidden();
    expect(requests).toBe(2);
  });
}

test(`${lang}: a switch to WASM while WebGPU is loading ends on WASM, with no error`, rerunAfterGpuCrash(async ({ page }) => {
  await page.goto(`/${lang}/${chapter.slug}/`);
  await widget(page).scrollIntoViewIfNeeded();
  await expect(widget(page)).toHaveAttribute('data-state', 'loading');
  await page.locator('[data-part="provider"]').selectOption('wasm');
  await expect(widget(page)).toHaveAttribute('data-provider', 'wasm');
  await expect(widget(page)).toHaveAttribute('data-state', 'ready');
  await expect(page.locator('[data-part="error"]')).toBeHidden();
  // The abandoned WebGPU load does not come back: the next input runs on WASM too.
  await page.locator('[data-part="samples"] button').nth(1).click();
  await expect(page.locator('[data-part="samples"] button').nth(1)).toHaveAttribute('aria-pressed', 'true');
  await expect(widget(page)).toHaveAttribute('data-state', 'ready');
  await expect(widget(page)).toHaveAttribute('data-provider', 'wasm');
  await expect(page.locator('[data-part="status"]')).toContainText(t(lang, 'widget.provider.wasm'));
}));

test(`${lang}: after the GPU process crashes, 'auto' runs on WASM and says so`, async ({ page, watch }) => {
  await openWidget(page, lang, chapter.slug);
  await expect(widget(page)).toHaveAttribute('data-provider', 'webgpu');
  const cdp = await page.context().browser()!.newBrowserCDPSession();
  await cdp.send('Browser.crashGpuProcess' as never);
  await page.locator('[data-part="samples"] button').nth(1).click();
  await expect(widget(page)).toHaveAttribute('data-fallback', 'run-failed');
  await expect(widget(page)).toHaveAttribute('data-provider', 'wasm');
  await expect(widget(page)).toHaveAttribute('data-state', 'ready');
  await expect(page.locator('[data-part="notice"]')).toHaveText(t(lang, 'widget.fellBackRun'));
  expect(watch.gpuCrash, 'the crash signature the fixtures look for').not.toBeNull();
});
