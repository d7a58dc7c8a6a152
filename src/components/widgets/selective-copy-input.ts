/**
 * The selective-copying widget's input: one sequence of the task, from the shipped held-out set, drawn
 * at random by the card's rules from a seed, or edited position by position (noise → each symbol → noise).
 * The sequence shows as a row of chips; the body's chips are buttons (one in the tab order, ← → Home End
 * move, Enter or Space cycles, a symbol's letter puts it, Delete or Backspace puts noise), the recall
 * markers are shown only. Every change becomes the models' feeds (both read the same ids).
 */
import { t, type Lang } from '../../i18n';
import { WidgetError, type Feed } from '../../lib/runtime';
import type { Feeds, InputContext, InputSource } from './parts/model-widget';
import { checkVocab, copyLayout, nextToken, randomSequence, symbolPlaces, type CopyLayout, type CopyVocab } from './selective-copy-card';

/** One shipped held-out sequence (samples.json `sequences`): its ids, the symbols in order, and what
 * PyTorch's model recalled. */
export interface ShippedSequence {
  id: string;
  ids: number[];
  target: number[];
  recalled: number[];
}

export class CopyInput implements InputSource {
  readonly layout: CopyLayout;
  vocab!: CopyVocab;
  /** The sequence the models read now. */
  ids: number[] = [];
  private shipped: ShippedSequence[] = [];
  private ctx: InputContext;
  private lang: Lang;

  constructor(ctx: InputContext) {
    this.ctx = ctx;
    this.lang = ctx.lang;
    this.layout = copyLayout(ctx.card);
    ctx.find<HTMLSelectElement>('held-out').addEventListener('change', (e) => {
      const i = (e.target as HTMLSelectElement).value;
      if (i !== '') this.set(this.shipped[Number(i)]!.ids.slice());
    });
    const seed = ctx.find<HTMLInputElement>('seed');
    seed.addEventListener('change', () => this.draw(this.seed()));
    ctx.find('random').addEventListener('click', () => {
      seed.value = String(this.seed() + 1);
      this.draw(this.seed());
    });
  }

  async load(signal: AbortSignal): Promise<Feeds | null> {
    const [vocab, samples] = await Promise.all([
      this.ctx.fetchJson<CopyVocab>(this.layout.vocab, signal),
      this.ctx.fetchJson<{ sequences?: ShippedSequence[] }>(this.ctx.card.samples.file, signal),
    ]);
    try {
      checkVocab(vocab, this.layout);
    } catch (err) {
      throw new WidgetError('error.cardInvalid', { detail: (err as Error).message });
    }
    this.vocab = vocab;
    this.shipped = (samples.sequences ?? []).filter((s) => s.ids.length === this.layout.length);
    const select = this.ctx.find<HTMLSelectElement>('held-out');
    select.replaceChildren(
      new Option(t(this.lang, 'copy.heldOutNone'), ''),
      ...this.shipped.map((s, i) => new Option(t(this.lang, 'copy.heldOutOption', { n: i + 1, symbols: this.text(s.target) }), String(i))),
    );
    this.ids = this.shipped[0]?.ids.slice() ?? randomSequence(this.layout, this.seed());
    this.render();
    return this.feeds();
  }

  /** The feeds of both models: the ids under the input's name. */
  feeds(): Feeds {
    const { ids } = this.layout;
    const feed: Feed = { dtype: ids.dtype, dims: [1, this.ids.length], data: ids.dtype === 'int64' ? BigInt64Array.from(this.ids, BigInt) : Int32Array.from(this.ids) };
    return { [ids.name]: feed };
  }

  /** Tokens as text, e.g. the symbols of a sequence. */
  text(ids: readonly number[]): string {
    return ids.map((id) => this.vocab.tokens[id] ?? '?').join('');
  }

  private seed(): number {
    const value = Math.floor(Number(this.ctx.find<HTMLInputElement>('seed').value));
    return Number.isFinite(value) && value >= 0 ? value : 0;
  }

  private draw(seed: number): void {
    this.ctx.find<HTMLInputElement>('seed').value = String(seed);
    this.set(randomSequence(this.layout, seed));
  }

  private set(ids: number[]): void {
    this.ids = ids;
    this.render();
    this.ctx.onInput(this.feeds());
  }

  /** Changes body position `i` to `id` (an edit: the held-out picker lets go of its sequence). */
  private edit(i: number, id: number): void {
    if (i >= this.layout.task.body || this.ids[i] === id) return;
    const ids = this.ids.slice();
    ids[i] = id;
    this.set(ids);
  }

  private render(): void {
    const { task } = this.layout;
    const held = this.shipped.findIndex((s) => s.ids.join() === this.ids.join());
    this.ctx.find<HTMLSelectElement>('held-out').value = held < 0 ? '' : String(held);
    this.renderChips();
    const count = symbolPlaces(this.ids, this.layout).length;
    const notice = this.ctx.find('count');
    notice.hidden = count === task.memorise;
    notice.textContent = notice.hidden ? '' : t(this.lang, 'copy.count', { count, memorise: task.memorise });
    notice.dataset.count = String(count);
  }

  private renderChips(): void {
    const list = this.ctx.find<HTMLOListElement>('sequence');
    const { task } = this.layout;
    const symbols = new Set(this.layout.symbolIds);
    // A rebuilt row keeps the keyboard on the same position.
    const active = document.activeElement as HTMLElement | null;
    const focused = list.contains(active) ? Number(active!.closest('li')!.dataset.index) : NaN;
    const roving = Number(list.dataset.roving ?? 0);
    const buttons: HTMLButtonElement[] = [];
    list.replaceChildren(
      ...this.ids.map((id, i) => {
        const li = document.createElement('li');
        const token = this.vocab.tokens[id] ?? String(id);
        li.dataset.index = String(i);
        li.dataset.id = String(id);
        li.dataset.kind = i >= task.body ? 'recall' : symbols.has(id) ? 'symbol' : 'noise';
        const label = t(this.lang, i >= task.body ? 'copy.positionRecall' : symbols.has(id) ? 'copy.positionSymbol' : 'copy.positionNoise', { n: i + 1, token });
        if (i >= task.body) {
          li.textContent = token;
          li.title = label;
          return li;
        }
        const button = document.createElement('button');
        button.type = 'button';
        button.textContent = token;
        button.setAttribute('aria-label', label);
        button.title = label;
        button.tabIndex = i === (Number.isNaN(focused) ? roving : focused) ? 0 : -1;
        button.addEventListener('click', () => this.edit(i, nextToken(id, this.layout)));
        button.addEventListener('focus', () => (list.dataset.roving = String(i)));
        button.addEventListener('keydown', (e) => this.onKey(e, i, buttons));
        buttons.push(button);
        li.append(button);
        return li;
      }),
    );
    if (!Number.isNaN(focused)) buttons[focused]?.focus();
  }

  private onKey(e: KeyboardEvent, i: number, buttons: HTMLButtonElement[]): void {
    const move = { ArrowRight: i + 1, ArrowDown: i + 1, ArrowLeft: i - 1, ArrowUp: i - 1, Home: 0, End: buttons.length - 1 }[e.key];
    if (move !== undefined) {
      e.preventDefault();
      const to = buttons[Math.max(0, Math.min(buttons.length - 1, move))]!;
      for (const b of buttons) b.tabIndex = b === to ? 0 : -1;
      to.focus();
      return;
    }
    // A symbol's own letter puts it there (the tokens come from vocab.json, so match them, not A–H).
    const typed = e.key.length === 1 ? this.layout.symbolIds.find((id) => this.vocab.tokens[id]?.toLowerCase() === e.key.toLowerCase()) : undefined;
    const to = typed ?? (e.key === 'Delete' || e.key === 'Backspace' ? this.layout.task.noise : undefined);
    if (to === undefined) return;
    e.preventDefault();
    this.edit(i, to);
  }
}
