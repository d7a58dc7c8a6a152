/** The widget base, once (not per model): a failed download of the inference runtime and its Try again,
 * fifty rapid clicks, a backend switch while WebGPU is still loading, and a crash of the GPU process caused on purpose (Chrome
 * DevTools Protocol, Browser.crashGpuProcess), after which 'auto' carries on on WASM and says why, and the
 * fixtures recognise the crash's signature (the one reason a WebGPU test may run again). In a browser of
 * their own, so that the crash touches no other test. */
import config from '../../playwright.config';
import { CHAPTERS, GPU_LANG as lang, LANGS, expect, rerunAfterGpuCrash, test } from './fixtures';
import { expectBars, goldenCases, goldenValues, openWidget, widget } from './widget-helpers';
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

// Rapid clicks, on WASM in one language and on WebGPU in the other: every click on a sample asks for a run,
// fifty of them in one task. Runs must never overlap (the runtime counts the most in flight at once), the
// page must hold as many sessions after as before (no session is opened again or left behind), and what
// shows at the end must be the last input's result, PyTorch's numbers for that sample.
for (const [language, provider] of [['zh', 'wasm'], ['en', 'auto']] as const) {
  test(`${language}: fifty rapid clicks on ${provider === 'wasm' ? 'WASM' : 'WebGPU'} never overlap runs or leave sessions, and end on the last input`, async ({ page }) => {
    const card = chapter.widgets.find((w) => w.kind === 'image-classifier')!.cards[0]!;
    const last = goldenCases(card.slug)[1]!;
    await openWidget(page, language, chapter.slug, { provider });
    const sessions = await widget(page).getAttribute('data-sessions');
    expect(Number(sessions)).toBeGreaterThan(0);
    await page.locator('[data-part="samples"]').evaluate((list, sample) => {
      const buttons = [...list.querySelectorAll<HTMLButtonElement>('button[data-sample]')];
      const target = buttons.find((b) => b.dataset.sample === sample)!;
      for (let i = 0; i < 49; i++) buttons[i % buttons.length]!.click();
      target.click();
    }, last.sample);
    await expect(page.locator('[data-part="samples"] button[aria-pressed="true"]')).toHaveAttribute('data-sample', last.sample);
    await expect(widget(page)).toHaveAttribute('data-state', 'ready');
    const probs = card.graphs[0]!.outputs.find((o) => o.role === 'probabilities')!.name;
    await expectBars(page.locator('[data-part="top5"]'), card.labels![language], goldenValues(last, probs).val);
    await expect(widget(page)).toHaveAttribute('data-peak-runs', '1');
    await expect(widget(page)).toHaveAttribute('data-sessions', sessions!);
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
