/** Both languages of every chapter say the same things in the same places: same sections, same widgets. */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { extractRegion } from '../../src/lib/content/code-region';

const root = 'content/chapters';
const chapters = readdirSync(root);
const read = (slug: string, lang: string) => readFileSync(`${root}/${slug}/${lang}.mdx`, 'utf8');
const body = (text: string) => text.replace(/^---[\s\S]*?---/, '').replace(/```[\s\S]*?```/g, '');
const frontMatter = (text: string, key: string) => text.match(new RegExp(`^${key}:\\s*(.+)$`, 'm'))?.[1]?.trim();

describe.each(chapters)('chapter %s', (slug) => {
  it('exists in both languages', () => {
    expect(existsSync(`${root}/${slug}/zh.mdx`)).toBe(true);
    expect(existsSync(`${root}/${slug}/en.mdx`)).toBe(true);
  });

  it('has the same section structure and components in zh and en', () => {
    const zh = body(read(slug, 'zh'));
    const en = body(read(slug, 'en'));
    const headings = (s: string) => [...s.matchAll(/^(#{2,3}) /gm)].map((m) => m[1]);
    const components = (s: string) => [...s.matchAll(/<([A-Z]\w+)([^>]*)\/>/g)].map((m) => `${m[1]}${m[2]!.replace(/\s+/g, ' ').trim()}`);
    expect(headings(zh)).toEqual(headings(en));
    expect(components(zh)).toEqual(components(en));
  });

  it('names the same model and order in both languages, and that model exists', () => {
    const zh = read(slug, 'zh');
    const en = read(slug, 'en');
    for (const key of ['order', 'model']) expect(frontMatter(zh, key)).toBe(frontMatter(en, key));
    expect(existsSync(`public/models/${frontMatter(en, 'model')}/card.json`)).toBe(true);
  });

  it('shows code regions that exist in the training scripts', () => {
    for (const m of read(slug, 'en').matchAll(/<CodeCell file="([^"]+)" region="([^"]+)"/g)) {
      expect(() => extractRegion(readFileSync(m[1]!, 'utf8'), m[2]!, m[1])).not.toThrow();
    }
  });
});

describe('code regions', () => {
  it('extracts the lines between the markers and reports their position', () => {
    const r = extractRegion('a\n# region net\nx = 1\ny = 2\n# endregion net\nb', 'net');
    expect(r).toEqual({ code: 'x = 1\ny = 2', startLine: 3, endLine: 4 });
  });
  it('names the file and the missing region', () => {
    expect(() => extractRegion('nothing', 'net', 'training/x.py')).toThrow(/training\/x.py.*"net"/);
  });
});
