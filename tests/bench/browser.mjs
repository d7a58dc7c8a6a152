// `npm run bench` (second half): what the widgets' own loops cost in a real page. Headless Debian Chromium
// (the launch options of playwright.config.ts: WebGPU runs on SwiftShader, the CPU, so its times say
// nothing of a real GPU) opens every chapter whose widget samples a diffusion model, runs a full sample
// with the card's default sampler on WASM and on WebGPU, and reads what the widget measured: the loop's
// wall time and the time inside session.run. Their ratio is what the page's sampler adds (goal ≤ 1.25).
// Needs the built site (npm run build).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { chromium } from '@playwright/test';
import config from '../../playwright.config.ts';

const PORT = 4323;
// Samples per provider, the median reported. SwiftShader makes a WebGPU sample minutes long: one, after the
// widget's first run has compiled most shaders.
const REPEATS = { wasm: 3, webgpu: 1 };
const GOAL = 1.25;

if (!existsSync('dist/en/index.html')) {
  console.error('browser bench: no built site in dist/: run `npm run build` first');
  process.exit(1);
}

const chapters = readdirSync('content/chapters').flatMap((slug) => {
  const usage = readFileSync(`content/chapters/${slug}/en.mdx`, 'utf8').match(/<ModelWidget\s+model="([^"]+)"/);
  if (!usage) return [];
  const card = JSON.parse(readFileSync(`public/models/${usage[1]}/card.json`, 'utf8'));
  return card.widget === 'diffusion-explorer' ? [{ slug, card }] : [];
});

const server = spawn(process.execPath, ['tests/e2e/serve-dist.mjs', String(PORT)], { stdio: 'ignore' });
const browser = await chromium.launch({ ...config.use.launchOptions, executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium' });
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
try {
  await new Promise((r) => setTimeout(r, 500));
  for (const { slug, card } of chapters) {
    const { steps, guidance, method } = card.sampler;
    for (const provider of ['wasm', 'webgpu']) {
      const page = await browser.newPage();
      await page.goto(`http://localhost:${PORT}/en/${slug}/?provider=${provider}`);
      const widget = page.locator('[data-widget]');
      await widget.scrollIntoViewIfNeeded();
      await widget.locator('[data-part="steps"]').selectOption(String(steps));
      await page.waitForFunction(() => document.querySelector('[data-widget]')?.getAttribute('data-state') === 'ready', null, { timeout: 300_000 });
      const used = await widget.getAttribute('data-provider');
      const runs = [];
      for (let k = 0; k < REPEATS[provider]; k++) {
        await widget.evaluate((e) => delete e.dataset.generated);
        await widget.locator('[data-part="generate"]').click();
        await page.waitForFunction(
          (n) => document.querySelector('[data-widget]')?.getAttribute('data-generated') === String(n) &&
            document.querySelector('[data-widget]')?.getAttribute('data-state') === 'ready',
          steps, { timeout: 600_000 },
        );
        runs.push({ sample: Number(await widget.getAttribute('data-sample-ms')), run: Number(await widget.getAttribute('data-run-ms')) });
      }
      await page.close();
      const sample = median(runs.map((r) => r.sample));
      const run = median(runs.map((r) => r.run));
      const ratio = sample / run;
      const label = used === 'webgpu' ? 'WebGPU (SwiftShader, a software adapter)' : 'WASM';
      console.log(`${card.slug} ${steps}-step ${method} sample at guidance ${guidance} in Chromium on ${label}: ${sample.toFixed(0)} ms, ` +
        `of which session.run ${run.toFixed(0)} ms (${(run / steps).toFixed(1)} ms a step); sampler overhead ×${ratio.toFixed(2)} ` +
        `(${ratio <= GOAL ? 'meets' : 'misses'} the goal ×${GOAL}; median of ${REPEATS[provider]})`);
    }
  }
} finally {
  await browser.close();
  server.kill();
}
