/**
 * An input read from a one-line text box in a form (the translator's number, the poem model's start): Enter
 * or a button submits it, a text the model cannot take shows its error and marks the box invalid, and Step
 * and Play ask `takeChanged` first, so that a newly typed text is read before anything runs. The box keeps
 * at most its `data-max-chars` characters: a longer paste is cut there and a notice says so (a `maxlength`
 * would cut it without a word).
 */
import { HTML_LANG, t } from '../../../i18n';
import type { Feeds, InputContext, InputSource } from './model-widget';

export abstract class TextBoxInput implements InputSource {
  protected readonly box: HTMLInputElement;
  /** The text last read from the box. */
  private lastRead = '';

  constructor(protected readonly ctx: InputContext) {
    this.box = ctx.find<HTMLInputElement>('text');
    const max = Number(this.box.dataset.maxChars);
    const notice = ctx.find('cut');
    this.box.addEventListener('input', () => {
      const chars = [...this.box.value]; // code points: a cut never splits a surrogate pair
      notice.hidden = chars.length <= max;
      if (notice.hidden) return;
      this.box.value = chars.slice(0, max).join('');
      notice.textContent = t(ctx.lang, 'widget.textCut', { max: max.toLocaleString(HTML_LANG[ctx.lang]) });
    });
    ctx.find<HTMLFormElement>('form').addEventListener('submit', (e) => {
      e.preventDefault();
      this.submit();
    });
  }

  abstract load(signal: AbortSignal): Promise<Feeds | null>;

  /** The feeds of `text`; throws a WidgetError naming what the model cannot read. */
  protected abstract parse(text: string): Feeds;

  /** Reads the box if its text changed since it was last read: 'new' (the new input is on its way),
   * 'bad' (its error is showing) or 'same'. */
  takeChanged(): 'new' | 'bad' | 'same' {
    if (this.box.value === this.lastRead) return 'same';
    return this.submit() ? 'new' : 'bad';
  }

  /** Reads the box and hands its feeds on, or shows why it cannot. */
  protected submit(): boolean {
    let feeds: Feeds;
    try {
      feeds = this.read();
    } catch (err) {
      this.box.setAttribute('aria-invalid', 'true');
      this.ctx.onError(err);
      return false;
    }
    this.ctx.onInput(feeds);
    return true;
  }

  protected read(): Feeds {
    this.lastRead = this.box.value;
    return this.parse(this.lastRead);
  }
}
