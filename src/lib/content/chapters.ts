import { getCollection, type CollectionEntry } from 'astro:content';
import { LANGS, type Lang } from '../../i18n';

export type ChapterEntry = CollectionEntry<'chapters'>;

export interface Chapter {
  slug: string;
  lang: Lang;
  entry: ChapterEntry;
}

/** Splits an entry id "alexnet/en" into its chapter slug and language. */
export function parseId(id: string): { slug: string; lang: Lang } {
  const [slug, lang] = id.split('/');
  if (!slug || (lang !== 'zh' && lang !== 'en')) throw new Error(`Unexpected chapter id "${id}"`);
  return { slug, lang };
}

/** Every chapter in both languages, checked for parity. The build stops here, naming the folder, when a
 * chapter lacks a language or the two files disagree on order or model. */
export async function allChapters(): Promise<Map<string, Record<Lang, ChapterEntry>>> {
  const bySlug = new Map<string, Partial<Record<Lang, ChapterEntry>>>();
  for (const entry of await getCollection('chapters')) {
    const { slug, lang } = parseId(entry.id);
    bySlug.set(slug, { ...bySlug.get(slug), [lang]: entry });
  }
  const complete = new Map<string, Record<Lang, ChapterEntry>>();
  for (const [slug, files] of bySlug) {
    for (const lang of LANGS) {
      if (!files[lang]) {
        throw new Error(`content/chapters/${slug}/${lang}.mdx is missing: every chapter needs zh.mdx and en.mdx`);
      }
    }
    const { zh, en } = files as Record<Lang, ChapterEntry>;
    for (const key of ['order', 'model'] as const) {
      if (zh.data[key] !== en.data[key]) {
        throw new Error(`content/chapters/${slug}: "${key}" differs between zh.mdx and en.mdx`);
      }
    }
    complete.set(slug, { zh, en });
  }
  return complete;
}

/** The chapters of one language, in reading order. */
export async function chaptersIn(lang: Lang): Promise<Chapter[]> {
  const all = await allChapters();
  return [...all.entries()]
    .map(([slug, files]) => ({ slug, lang, entry: files[lang] }))
    .sort((a, b) => a.entry.data.order - b.entry.data.order);
}

export function chapterPath(lang: Lang, slug: string): string {
  return `/${lang}/${slug}/`;
}
