import { en, type UiKey } from './en';
import { zh } from './zh';

export type Lang = 'zh' | 'en';
export type { UiKey };
export const LANGS: readonly Lang[] = ['zh', 'en'];
export const HTML_LANG: Record<Lang, string> = { zh: 'zh-CN', en: 'en' };
export const LANG_NAME: Record<Lang, string> = { zh: '简体中文', en: 'English' };

const DICTS: Record<Lang, Record<UiKey, string>> = { en, zh };

/** Keys present in one dictionary but not the other, or empty. The type system already forbids a missing
 * key; the check also catches an empty string and runs when the site is built, so a gap fails the build. */
export function missingKeys(dicts: Record<Lang, Record<string, string>> = DICTS): string[] {
  const problems: string[] = [];
  for (const lang of LANGS) {
    for (const key of Object.keys(en)) {
      if (!dicts[lang][key]) problems.push(`${lang}: ${key}`);
    }
    for (const key of Object.keys(dicts[lang])) {
      if (!(key in en)) problems.push(`${lang}: unknown key ${key}`);
    }
  }
  return problems;
}

const gaps = missingKeys();
if (gaps.length) throw new Error(`UI dictionary incomplete (src/i18n): ${gaps.join(', ')}`);

export function isLang(value: unknown): value is Lang {
  return value === 'zh' || value === 'en';
}

/** The UI string `key` in `lang`, with `{name}` placeholders filled from `vars`. */
export function t(lang: Lang, key: UiKey, vars: Record<string, string | number> = {}): string {
  return DICTS[lang][key].replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in vars ? String(vars[name]) : whole,
  );
}

export function otherLang(lang: Lang): Lang {
  return lang === 'zh' ? 'en' : 'zh';
}
