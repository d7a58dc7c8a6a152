/** Shared e2e fixtures: the chapters and their widgets, read from the content and the widget registry, and
 * a watch on every page for requests that leave localhost, script errors, Content-Security-Policy
 * violations and a crashed GPU process. */
import { test as base, expect, type BrowserContext, type Page, type TestInfo } from '@playwright/test';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { Lang } from '../../src/i18n';
import { type ModelCard } from '../../src/lib/card';
import { parseCard } from '../../src/lib/card/parse';
import { WIDGETS, isWidgetKind, type WidgetKind } from '../../src/components/widgets/registry';

export const LANGS: Lang[] = ['zh', 'en'];
/** The one language of the WebGPU + WASM run of each model; the kinds' own view tests use the other, so
 * that both languages meet a widget that really ran. Text, error and notice tests run in both. */
export const GPU_LANG: Lang = 'en';
export const VIEW_LANG: Lang = 'zh';

const readModelCard = (slug: string): ModelCard => parseCard(JSON.parse(readFileSync(`public/models/${slug}/card.json`, 'utf8')));

export interface ChapterWidget {
  kind: WidgetKind;
  /** The custom element the registry says the kind renders. */
  tag: string;
  /** The chapter's model first, its `compare` twin second (if any). */
  cards: ModelCard[];
}

/** The chapters, read from the content itself, so a new chapter is tested without new test code. A chapter
 * may show several widgets (Mamba: selective copying and the poem model); each is one ChapterWidget. */
export const CHAPTERS = readdirSync('content/chapters')
  .filter((slug) => existsSync(`content/chapters/${slug}/en.mdx`))
  .map((slug) => {
    const en = readFileSync(`content/chapters/${slug}/en.mdx`, 'utf8');
    const model = en.match(/^model:\s*(\S+)/m)![1]!;
    const widgets = [...en.matchAll(/<ModelWidget\s[^>]*>/g)].map(([usage]): ChapterWidget => {
      const attr = (name: string) => usage.match(new RegExp(`\\b${name}="([^"]+)"`))?.[1];
      const cards = [attr('model')!, attr('compare')].filter((m): m is string => !!m).map(readModelCard);
      const kind = cards[0]!.widget;
      if (!isWidgetKind(kind)) throw new Error(`${slug}: card widget "${kind}" is not in the registry`);
      return { kind, tag: WIDGETS[kind].tag, cards };
    });
    const kinds = widgets.map((w) => w.kind);
    // Tests find a widget on its page by its kind, so one page shows each kind once.
    if (new Set(kinds).size !== kinds.length) throw new Error(`${slug}: a widget kind appears twice (${kinds.join(', ')})`);
    return {
      slug,
      model,
      /** Run names of the chapter's <TrainingCurves> chart, if it has one. */
      curves: en.match(/<TrainingCurves runs="([^"]+)"/)?.[1]?.split(',') ?? [],
      widgets,
    };
  });

export type Chapter = (typeof CHAPTERS)[number];

/** The chapters that show a widget of `kind`, each with that widget (for the kind's own spec). */
export function chaptersOf(kind: WidgetKind): (Chapter & { widget: ChapterWidget })[] {
  return CHAPTERS.flatMap((c) => c.widgets.filter((w) => w.kind === kind).map((widget) => ({ ...c, widget })));
}

/**
 * How a crash of Chromium's GPU process (SwiftShader, emulated on the CPU) shows from the page: the
 * renderer dies, or the page's WebGPU instance or device is reported gone. Chromium 156 says "A valid
 * external Instance reference no longer exists." when its GPU process is crashed on purpose (CDP
 * Browser.crashGpuProcess); the device-lost forms are WebGPU's own. A device destroyed on purpose
 * (onnxruntime releasing its sessions) says "destroyed" and is no crash.
 */
const GPU_CRASH = /valid external Instance reference no longer exists|GPU process (crashed|exited|was lost|isn't usable)|GPU connection lost|device (was |is )?lost|DEVICE_LOST/i;

/** Prefix of the console line by which a page reports a CSP violation (the init script below). */
const CSP_MARK = '[csp-violation]';

interface Watch {
  external: string[];
  errors: string[];
  /** CSP violations the pages reported: directive, blocked resource and where. A test that provokes one on
   * purpose takes it out of here. */
  csp: string[];
  /** The first sign of a GPU process crash seen, if any. */
  gpuCrash: string | null;
  /** Forgets what an attempt left behind (before the one rerun after a GPU crash). */
  reset(): void;
}

export const test = base.extend<{ watch: Watch }>({
  watch: [
    async ({ context, baseURL }, use) => {
      const watch: Watch = {
        external: [], errors: [], csp: [], gpuCrash: null,
        reset() {
          watch.external = [];
          watch.errors = [];
          watch.csp = [];
          watch.gpuCrash = null;
        },
      };
      const crashed = (sign: string) => {
        if (GPU_CRASH.test(sign) && !/destroyed/i.test(sign)) watch.gpuCrash ??= sign.slice(0, 300);
      };
      const watchPage = (page: Page) => page.on('crash', () => (watch.gpuCrash ??= 'page crashed'));
      context.pages().forEach(watchPage);
      context.on('page', watchPage);
      context.on('request', (r) => {
        const url = r.url();
        if (!url.startsWith(baseURL!) && !url.startsWith('data:') && !url.startsWith('blob:')) watch.external.push(url);
      });
      context.on('weberror', (e) => {
        watch.errors.push(e.error().message);
        crashed(e.error().message);
      });
      // Every document in the context reports what its policy blocked, before any of its own scripts run.
      await context.addInitScript((mark) => {
        self.addEventListener('securitypolicyviolation', (e) =>
          console.error(`${mark} ${e.effectiveDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`));
      }, CSP_MARK);
      context.on('console', (m) => {
        if (m.text().startsWith(CSP_MARK)) watch.csp.push(m.text().slice(CSP_MARK.length + 1));
        crashed(m.text());
      });
      await use(watch);
      expect(watch.external, 'requests that left localhost').toEqual([]);
      expect(watch.errors, 'uncaught page errors').toEqual([]);
      expect(watch.csp, 'Content-Security-Policy violations').toEqual([]);
    },
    { auto: true },
  ],
});

/**
 * The body of a test that runs models on WebGPU: when it fails and the GPU process was seen to crash (its
 * signature, above), it runs once more on a fresh page and that second result stands; any other failure
 * fails at once. Playwright's own retries stay off: a flake is a bug to find.
 */
export function rerunAfterGpuCrash(body: (args: { page: Page }, info: TestInfo) => Promise<void>) {
  return async ({ page, context, watch }: { page: Page; context: BrowserContext; watch: Watch }, info: TestInfo) => {
    try {
      await body({ page }, info);
    } catch (err) {
      if (!watch.gpuCrash) throw err;
      info.annotations.push({ type: 'gpu-process-crash', description: `${watch.gpuCrash} — ran again after: ${String(err).slice(0, 300)}` });
      console.warn(`${info.title}: the GPU process crashed (${watch.gpuCrash}); running the test once more`);
      watch.reset();
      info.setTimeout(info.timeout * 2);
      await page.close().catch(() => undefined);
      await body({ page: await context.newPage() }, info);
    }
  };
}

export { expect };
