import { readFileSync } from 'node:fs';
import AxeBuilder from '@axe-core/playwright';
import { CHAPTERS, LANGS, expect, test } from './fixtures';
import { t, HTML_LANG } from '../../src/i18n';

/** Pages are visited with the widget on WASM: these tests do not look at it, so it should not spend
 * seconds compiling WebGPU shaders beside them. */
const WASM = '?provider=wasm';

test.describe('site', () => {
  test('the root page links to both languages without JavaScript', async ({ browser }) => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto('/');
    await expect(page.locator('a[href="/zh/"]')).toBeVisible();
    await expect(page.locator('a[href="/en/"]')).toBeVisible();
    await context.close();
  });

  test('the root page sends a Chinese browser to /zh/', async ({ browser }) => {
    const context = await browser.newContext({ locale: 'zh-CN' });
    const page = await context.newPage();
    await page.goto('/');
    await expect(page).toHaveURL(/\/zh\/$/);
    await context.close();
  });

  for (const lang of LANGS) {
    test(`${lang}: home lists every chapter with a picture`, async ({ page }) => {
      await page.goto(`/${lang}/`);
      await expect(page.locator('html')).toHaveAttribute('lang', HTML_LANG[lang]);
      await expect(page.locator('h1')).toHaveText(t(lang, 'site.name'));
      const cards = page.locator('.cards a.card');
      await expect(cards).toHaveCount(CHAPTERS.length);
      await expect(cards.first().locator('svg')).toBeVisible();
    });

    for (const chapter of CHAPTERS) {
      test(`${lang}: ${chapter.slug} renders, and the language switch keeps the chapter`, async ({ page }) => {
        await page.goto(`/${lang}/${chapter.slug}/${WASM}`);
        await expect(page.locator('html')).toHaveAttribute('lang', HTML_LANG[lang]);
        await expect(page.locator('article h1')).toBeVisible();
        await expect(page.locator('.toc a').first()).toBeVisible();
        await expect(page.locator('.katex').first()).toBeVisible();
        await expect(page.locator('.code-cell pre.astro-code').first()).toBeVisible();
        const other = lang === 'zh' ? 'en' : 'zh';
        await page.locator('[data-lang-switch]').click();
        await expect(page).toHaveURL(new RegExp(`/${other}/${chapter.slug}/$`));
        await expect(page.locator('html')).toHaveAttribute('lang', HTML_LANG[other]);
      });

      if (chapter.curves.length) {
        test(`${lang}: ${chapter.slug} draws its training curves with data points and axis labels in ${lang}`, async ({ page }) => {
          await page.goto(`/${lang}/${chapter.slug}/${WASM}`);
          const chart = page.locator('.training-curves');
          for (const run of chapter.curves) {
            const points = chart.locator(`g[data-run="${run}"] circle`);
            expect(await points.count(), run).toBeGreaterThan(1);
            await expect(chart.locator(`tr[data-run="${run}"] td`).nth(2)).toHaveText(/\d+\.\d\d%/);
          }
          await expect(chart.locator('text.axis').first()).toHaveText(t(lang, 'chart.epoch'));
        });
      }

      test(`${lang}: ${chapter.slug} has no serious or critical accessibility violations`, async ({ page }) => {
        await page.goto(`/${lang}/${chapter.slug}/${WASM}`);
        for (const theme of ['light', 'dark']) {
          await page.evaluate((th) => (document.documentElement.dataset.theme = th), theme);
          const results = await new AxeBuilder({ page }).analyze();
          const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
          expect(bad.map((v) => `${theme} ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`)).toEqual([]);
        }
      });
    }

    test(`${lang}: fits a 375 px phone without sideways scrolling`, async ({ browser }) => {
      const context = await browser.newContext({ viewport: { width: 375, height: 800 }, hasTouch: true, isMobile: true });
      const page = await context.newPage();
      for (const path of [`/${lang}/`, `/${lang}/device/`, ...CHAPTERS.map((c) => `/${lang}/${c.slug}/${WASM}`)]) {
        await page.goto(path);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow, path).toBeLessThanOrEqual(0);
      }
      await context.close();
    });
  }

  test('dark mode follows the system and the toggle overrides it', async ({ browser }) => {
    const context = await browser.newContext({ colorScheme: 'dark' });
    const page = await context.newPage();
    await page.goto('/en/');
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
    await page.locator('[data-theme-toggle]').click();
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
    await page.reload();
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
    await context.close();
  });

  test('the Content-Security-Policy runs our scripts and refuses an injected inline one', async ({ page, watch }) => {
    await page.goto(`/en/${CHAPTERS[0]!.slug}/${WASM}`);
    const policy = (await page.locator('meta[http-equiv="content-security-policy"]').getAttribute('content'))!;
    const scriptSrc = policy.split(';').find((d) => d.trim().startsWith('script-src '))!;
    expect(scriptSrc).not.toContain("'unsafe-inline'");
    expect(policy).toContain("default-src 'self'");
    await page.evaluate(() => {
      const s = document.createElement('script');
      s.textContent = 'window.injected = true';
      document.head.append(s);
    });
    await expect.poll(() => watch.csp.length).toBe(1);
    expect(await page.evaluate(() => 'injected' in window)).toBe(false);
    expect(watch.csp[0]).toMatch(/^script-src-elem blocked inline/);
    watch.csp = [];
  });

  test('search finds chapter text in both languages', async ({ page }) => {
    // Words said only in the AlexNet chapter (checked first, so that a new chapter using one fails here, not
    // in the search). Search ranks pages by words, not phrases: 局部响应归一化 finds BERT first (归一化 is
    // everywhere), and 显存 is now said in Mamba too.
    for (const [lang, term] of [['zh', '局部响应'], ['en', 'GTX 580']] as const) {
      const using = CHAPTERS.filter((c) => readFileSync(`content/chapters/${c.slug}/${lang}.mdx`, 'utf8').includes(term)).map((c) => c.slug);
      expect(using, `chapters that say “${term}”`).toEqual(['alexnet']);
      await page.goto(`/${lang}/search/`);
      await page.locator('.pagefind-ui__search-input').fill(term);
      await expect(page.locator('.pagefind-ui__result-link').first()).toHaveAttribute('href', new RegExp(`/${lang}/alexnet/`));
    }
  });
});
