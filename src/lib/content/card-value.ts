import type { Lang } from '../../i18n';

/** percent: 0.9876 → 98.76% (percent0, percent1: 99%, 98.8%); integer: grouped digits; fixed1…fixed4: that
 * many decimals; minutes: seconds → minutes; millions: 65,000,000 → 65. */
export type NumberFormat = 'percent' | 'percent0' | 'percent1' | 'integer' | 'fixed1' | 'fixed2' | 'fixed3' | 'fixed4' | 'minutes' | 'millions';

/** The number at a dot-separated `path` of a parsed card or training log. Array items are taken by index,
 * a negative one counting from the end ("history.-1.test_error": the last epoch's). Throws naming
 * `source` and the path when the path does not lead to a number. */
export function cardNumber(card: unknown, path: string, source: string): number {
  let node: unknown = card;
  for (const key of path.split('.')) {
    if (Array.isArray(node) && /^-\d+$/.test(key)) node = node[node.length + Number(key)];
    else node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
  }
  if (typeof node !== 'number' || !Number.isFinite(node)) throw new Error(`${source}: "${path}" does not lead to a number`);
  return node;
}

export function formatNumber(value: number, format: NumberFormat, lang: Lang): string {
  const locale = lang === 'zh' ? 'zh-CN' : 'en';
  const fixed = /^fixed(\d)$/.exec(format);
  if (fixed) return value.toFixed(Number(fixed[1]));
  const percent = /^percent(\d)$/.exec(format);
  if (percent) return `${(value * 100).toFixed(Number(percent[1]))}%`;
  switch (format) {
    case 'percent':
      return `${(value * 100).toFixed(2)}%`;
    case 'minutes':
      return new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(value / 60);
    case 'millions':
      return new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(value / 1e6);
    default:
      return new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(value);
  }
}
