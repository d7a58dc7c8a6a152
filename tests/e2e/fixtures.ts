/** Shared e2e fixtures: every page is watched for requests that leave localhost and for script errors. */
import { test as base, expect } from '@playwright/test';
import { readdirSync, readFileSync } from 'node:fs';
import type { Lang } from '../../src/i18n';

export const LANGS: Lang[] = ['zh', 'en'];

/** The chapters, read from the content itself, so a new chapter is tested without new test code. */
export const CHAPTERS = readdirSync('content/chapters').map((slug) => {
  const en = readFileSync(`content/chapters/${slug}/en.mdx`, 'utf8');
  const model = en.match(/^model:\s*(\S+)/m)![1]!;
  const card = JSON.parse(readFileSync(`public/models/${model}/card.json`, 'utf8')) as { outputs: { kind: string }[] };
  return {
    slug,
    model,
    /** Run names of the chapter's <TrainingCurves> chart, if it has one. */
    curves: en.match(/<TrainingCurves runs="([^"]+)"/)?.[1]?.split(',') ?? [],
    /** Which widget the chapter's <ModelWidget> renders, chosen as ModelWidget.astro does: a model with a
     * class map gets the segmentation explorer; with `compare`, the residual explorer; else the classifier. */
    widget: !/<ModelWidget /.test(en) ? null
      : card.outputs.some((o) => o.kind === 'mask') ? 'segmentation'
      : /<ModelWidget [^>]*compare=/.test(en) ? 'residual' : 'classifier',
  };
});

export const test = base.extend<{ watch: { external: string[]; errors: string[] } }>({
  watch: [
    async ({ page, baseURL }, use) => {
      const watch = { external: [] as string[], errors: [] as string[] };
      page.on('request', (r) => {
        const url = r.url();
        if (!url.startsWith(baseURL!) && !url.startsWith('data:') && !url.startsWith('blob:')) watch.external.push(url);
      });
      page.on('pageerror', (e) => watch.errors.push(e.message));
      await use(watch);
      expect(watch.external, 'requests that left localhost').toEqual([]);
      expect(watch.errors, 'uncaught page errors').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
