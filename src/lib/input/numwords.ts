/** Integers written in words, in Chinese and in English: the browser half of training/common/numwords.py
 * (the Transformer chapter renders typed digits as words with it). The two must agree character for
 * character; tests/unit/numwords.test.ts checks this one against a fixture the Python side wrote. */

const ZH_DIGITS = '零一二三四五六七八九';
const ZH_UNITS = ['', '十', '百', '千'];
const EN_ONES = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven',
  'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'];
const EN_TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];

/** Both renderers cover 0 … 999,999,999. */
export const NUMBER_LIMIT = 1_000_000_000;

function checkRange(n: number): void {
  if (!Number.isInteger(n) || n < 0 || n >= NUMBER_LIMIT) throw new RangeError(`${n} is outside 0 … ${NUMBER_LIMIT - 1}`);
}

/** 0 < n < 10,000 as Chinese, with 零 for the zeros between its digits (none for trailing zeros). */
function zhGroup(n: number): string {
  let out = '';
  let zero = false;
  for (const power of [3, 2, 1, 0]) {
    const d = Math.floor(n / 10 ** power) % 10;
    if (d === 0) {
      zero = out !== '';
      continue;
    }
    if (zero) out += '零';
    zero = false;
    out += ZH_DIGITS[d]! + ZH_UNITS[power]!;
  }
  return out;
}

/** 一千二百三十四 for 1234; 三万五千零七 for 35007; 十万 for 100000; 一亿零一 for 100000001. */
export function zhNumber(n: number): string {
  checkRange(n);
  if (n === 0) return ZH_DIGITS[0]!;
  const groups: [number, string][] = [[Math.floor(n / 1e8), '亿'], [Math.floor(n / 1e4) % 1e4, '万'], [n % 1e4, '']];
  let out = '';
  let gap = false;
  for (const [value, name] of groups) {
    if (value === 0) {
      gap = out !== '';
      continue;
    }
    // A zero between two groups is read once: a skipped group, or a group below a thousand after a higher one.
    if (out && (gap || value < 1000)) out += '零';
    out += zhGroup(value) + name;
    gap = false;
  }
  return out.startsWith('一十') ? out.slice(1) : out;
}

function enGroup(n: number): string[] {
  const words: string[] = [];
  if (n >= 100) {
    words.push(EN_ONES[Math.floor(n / 100)]!, 'hundred');
    n %= 100;
  }
  if (n >= 20) words.push(EN_TENS[Math.floor(n / 10)]! + (n % 10 ? `-${EN_ONES[n % 10]}` : ''));
  else if (n) words.push(EN_ONES[n]!);
  return words;
}

/** one thousand two hundred thirty-four for 1234; thirty-five thousand seven for 35007. */
export function enNumber(n: number): string {
  checkRange(n);
  if (n === 0) return EN_ONES[0]!;
  const words: string[] = [];
  for (const [power, name] of [[6, 'million'], [3, 'thousand'], [0, '']] as const) {
    const value = Math.floor(n / 10 ** power) % 1000;
    if (value) words.push(...enGroup(value), ...(name ? [name] : []));
  }
  return words.join(' ');
}

/** Digits typed by a reader ("35007", "35,007", "35 007") as an integer, or null if the text is not that. */
export function parseDigits(text: string): number | null {
  const compact = text.trim().replace(/[,\s_，]/g, '');
  return /^\d{1,12}$/.test(compact) ? Number(compact) : null;
}
