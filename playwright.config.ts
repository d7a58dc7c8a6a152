import { defineConfig } from '@playwright/test';

// Debian's Chromium where scripts/chromium.sh found one (Playwright cannot download its own here);
// otherwise Playwright's bundled browser, for contributors elsewhere.
const executablePath = process.env.CHROMIUM_PATH || undefined;

export default defineConfig({
  testDir: 'tests/e2e',
  // WebGPU runs on SwiftShader (the CPU) in headless tests: shader compilation alone takes seconds.
  timeout: 180_000,
  expect: { timeout: 90_000 },
  workers: 1,
  // No retries: a flaky test is a bug to find. The one known outside cause, a crash of SwiftShader's
  // emulated GPU process, is recognised by its signature and only then rerun (gpuTest in fixtures.ts).
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: 'http://localhost:4322',
    // The site's service worker would answer requests from its cache, out of sight of page.route (cut-off
    // downloads, failures on purpose) and of a fresh page's first download. offline.spec.ts turns it on.
    serviceWorkers: 'block',
    launchOptions: {
      executablePath,
      args: [
        '--enable-unsafe-webgpu',
        '--enable-features=Vulkan',
        '--use-vulkan=swiftshader',
        '--use-webgpu-adapter=swiftshader',
        '--use-angle=swiftshader',
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  webServer: {
    command: 'node tests/e2e/serve-dist.mjs 4322',
    url: 'http://localhost:4322/en/',
    reuseExistingServer: false,
    timeout: 60_000,
  },
});
