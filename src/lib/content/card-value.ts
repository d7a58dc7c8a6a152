import type { Lang } from '../../i18n';

/** percent: 0.9876 → 98.76%; integer: grouped digits; fixed1…fixed4: that many decimals; seconds → minutes. */
export type NumberFormat = 'percent' | 'integer' | 'fixed1' | 'fixed2' | 'fixed3' | 'fixed4' | 'minutes' | 'millions';

/** The number at a dot-separated `path` of a parsed card; throws naming `source` and the path otherwise. */
export function cardNumber(card: unknown, path: string, source: string): number {
  let node: unknown = card;
  for (const key of path.split('.')) {
    node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
  }
  if (typeof node !== 'number' || !Number.isFinite(node)) throw new Error(`${source}: "${path}" is not a number in the card`);
  return node;
}

export function formatNumber(value: number, format: NumberFormat, lang: Lang): string {
  const locale = lang === 'zh' ? 'zh-CN' : 'en';
  const fixed = /^fixed(\d)$/.exec(format);
  if (fixed) return value.toFixed(Number(fixed[1]));
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
