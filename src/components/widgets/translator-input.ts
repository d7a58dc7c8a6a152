/**
 * The translator's input: a number in Chinese or English words (the script decides the direction: Han
 * characters are translated into English, anything else into Chinese), or in digits, which are first
 * written out in words of the chosen source language by the same rules as the training data; and the
 * shipped examples. Text the model cannot read is refused with the reason, before anything runs.
 */
import { WidgetError } from '../../lib/runtime';
import { parseVocabulary, sourceIds, TokenError, type Vocabulary } from '../../lib/input/tokens';
import { NUMBER_LIMIT, enNumber, parseDigits, zhNumber } from '../../lib/input/numwords';
import type { Feeds, InputContext } from './parts/model-widget';
import { TextBoxInput } from './parts/text-box-input';
import { seq2seqOf } from './translator-card';

export interface Example {
  n: number;
  zh: string;
  en: string;
}

/** The two languages of the vocabulary's split rules and special tokens (`to_en`, `to_zh`). */
export type TextLang = 'zh' | 'en';

export const other = (lang: TextLang): TextLang => (lang === 'zh' ? 'en' : 'zh');
const hasHan = (text: string) => /\p{Script=Han}/u.test(text);

export class TranslatorInput extends TextBoxInput {
  vocab!: Vocabulary;
  /** The source language of digits and examples; typed words set it by their script. */
  from: TextLang;

  constructor(ctx: InputContext) {
    super(ctx);
    this.from = ctx.lang;
    for (const radio of this.radios()) {
      radio.addEventListener('change', () => {
        this.from = radio.value as TextLang;
        // Digits are rewritten in the newly chosen language; words keep their own.
        if (parseDigits(this.box.value) !== null) this.submit();
      });
    }
    this.setFrom(this.from);
  }

  /** Downloads the vocabulary and the examples, and reads the first example (without running). */
  async load(signal: AbortSignal): Promise<Feeds | null> {
    const { samples } = this.ctx.card;
    const [vocab, shipped] = await Promise.all([
      this.ctx.fetchJson<unknown>(seq2seqOf(this.ctx.card).source.vocab, signal),
      this.ctx.fetchJson<{ examples: Example[] }>(samples.file, signal),
    ]);
    this.vocab = parseVocabulary(vocab);
    const group = this.ctx.find('examples');
    const format = new Intl.NumberFormat(this.ctx.lang === 'zh' ? 'zh-CN' : 'en');
    group.replaceChildren(
      ...shipped.examples.map((ex) => {
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'button example';
        button.dataset.n = String(ex.n);
        button.textContent = format.format(ex.n);
        button.addEventListener('click', () => {
          this.box.value = ex[this.from];
          this.submit();
        });
        return button;
      }),
    );
    const first = shipped.examples[0];
    if (!first) return null;
    this.box.value = first[this.from];
    return this.read();
  }

  /** Puts `text` in the box and translates it (the Swap button: the translation, back). */
  use(text: string): void {
    this.box.value = text;
    this.submit();
  }

  /** The text as the source feed; throws a WidgetError naming what the model cannot read. */
  protected parse(text: string): Feeds {
    const digits = parseDigits(text);
    const spelled = this.ctx.find('spelled');
    spelled.hidden = true;
    let words = text;
    if (digits !== null) {
      if (digits >= NUMBER_LIMIT) {
        throw new WidgetError('error.numberTooBig', { digits: digits.toLocaleString(this.ctx.lang === 'zh' ? 'zh-CN' : 'en') });
      }
      words = this.from === 'zh' ? zhNumber(digits) : enNumber(digits);
    } else if (text.trim()) {
      this.setFrom(hasHan(text) ? 'zh' : 'en');
    }
    const from = this.from;
    const to = other(from);
    let ids: number[];
    try {
      ids = sourceIds(this.vocab, words, from, to);
    } catch (err) {
      if (!(err instanceof TokenError)) throw err;
      const p = err.problem;
      if (p.kind === 'empty') throw new WidgetError('error.textEmpty');
      if (p.kind === 'unknown') throw new WidgetError('error.textUnknown', { token: p.token, position: p.position + 1 });
      throw new WidgetError('error.textTooLong', { count: p.count, max: p.max });
    }
    if (digits !== null) {
      const out = this.ctx.find('spelled-words');
      out.textContent = words;
      out.lang = from === 'zh' ? 'zh-CN' : 'en';
      spelled.hidden = false;
    }
    this.box.removeAttribute('aria-invalid');
    const { source } = seq2seqOf(this.ctx.card);
    return { [source.name]: { dtype: source.dtype, dims: [1, ids.length], data: source.dtype === 'int64' ? BigInt64Array.from(ids, BigInt) : Int32Array.from(ids) } };
  }

  private radios(): HTMLInputElement[] {
    return [...this.ctx.find('from').querySelectorAll<HTMLInputElement>('input[type="radio"]')];
  }

  private setFrom(lang: TextLang): void {
    this.from = lang;
    for (const radio of this.radios()) radio.checked = radio.value === lang;
  }
}
