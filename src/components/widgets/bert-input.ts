/**
 * The BERT explorer's input: a text in either language (its first line break splits it into segments A
 * and B), one of the shipped examples (each with the tokens it masks first), or a held-out passage masked
 * as the training script evaluated it; its WordPiece tokens as chips the reader masks and unmasks. Every
 * change becomes the feeds of the masked-language model: the ids with [MASK] where chosen, the segments,
 * and the positions to predict.
 */
import { WidgetError } from '../../lib/runtime';
import { encodePair, parseWordPiece, pieceText, tokenize, type WordPieceVocab } from '../../lib/input/wordpiece';
import { renderTokenPicker } from '../../lib/viz/token-picker';
import { t } from '../../i18n';
import type { Feed } from '../../lib/runtime';
import type { Feeds, InputContext, InputSource } from './parts/model-widget';
import { bertLayout, type BertLayout } from './bert-card';

/** Characters read from the box at most: far beyond what fits the model's tokens, and a pasted book
 * cannot make the page wait for its tokenizer. */
export const MAX_CHARS = 1000;
/** Typing pauses this long before the model runs again. */
const TYPING_MS = 250;

export interface Example {
  lang: 'zh' | 'en';
  /** A line break starts segment B. */
  text: string;
  /** Token indices in the ids (0 = [CLS]) to mask first. */
  positions: number[];
  /** Whether the training text holds it: the model may have learnt it by heart. */
  in_training?: boolean;
}

export interface HeldOut {
  lang: 'zh' | 'en';
  /** Already [MASK]ed at `positions`. */
  ids: number[];
  segments: number[];
  positions: number[];
  /** The original ids at `positions`. */
  targets: number[];
}

/** What the model reads, before masking: the tokens and which of them the reader masked. */
export interface Sequence {
  ids: number[];
  tokens: string[];
  segments: number[];
  /** Token indices masked, ascending. */
  masked: number[];
  /** [CLS] and [SEP]: shown, never masked. */
  special: Set<number>;
  /** Per token, a key that survives edits elsewhere in the text (its segment, offset and text); null for specials. */
  keys: (string | null)[];
  /** Tokens left out to fit the model, and whether the box's text was cut before tokenizing. */
  dropped: number;
  cut: boolean;
}

const langOf = (token: string) => (/\p{Script=Han}/u.test(token) ? 'zh-CN' : /[a-z0-9]/i.test(token) ? 'en' : undefined);

/** Token strings back to readable text: pieces joined, a space between two English words. */
function detokenize(tokens: readonly string[], vocab: WordPieceVocab): string {
  let out = '';
  for (const token of tokens) {
    if (token.startsWith(vocab.continuation)) out += pieceText(token, vocab.continuation);
    else out += (out && /^[a-z0-9[]/.test(token) && !/\p{Script=Han}$/u.test(out) ? ' ' : '') + token;
  }
  return out;
}

export class BertInput implements InputSource {
  vocab!: WordPieceVocab;
  current: Sequence | null = null;
  readonly layout: BertLayout;
  private ctx: InputContext;
  private box: HTMLTextAreaElement;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private heldOut: HeldOut[] = [];

  constructor(ctx: InputContext) {
    this.ctx = ctx;
    this.layout = bertLayout(ctx.card);
    this.box = ctx.find<HTMLTextAreaElement>('text');
    this.box.addEventListener('input', () => {
      clearTimeout(this.timer);
      // Before the vocabulary has come, there is nothing to tokenize with: load() reads the box then.
      if (this.vocab) this.timer = setTimeout(() => this.submit(() => this.fromText(this.current)), TYPING_MS);
    });
    ctx.find<HTMLSelectElement>('held-out').addEventListener('change', (e) => {
      const i = (e.target as HTMLSelectElement).value;
      if (i !== '') this.submit(() => this.fromHeldOut(this.heldOut[Number(i)]!));
    });
  }

  async load(signal: AbortSignal): Promise<Feeds | null> {
    const [vocab, shipped] = await Promise.all([
      this.ctx.fetchJson<unknown>(this.layout.vocab, signal),
      this.ctx.fetchJson<{ examples: Example[]; held_out: HeldOut[] }>(this.ctx.card.samples.file, signal),
    ]);
    this.vocab = parseWordPiece(vocab);
    this.heldOut = shipped.held_out ?? [];
    const examples = shipped.examples ?? [];
    this.ctx.find('examples').replaceChildren(
      ...examples.map((ex, i) => {
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'button example';
        button.dataset.example = String(i);
        button.lang = ex.lang === 'zh' ? 'zh-CN' : 'en';
        button.textContent = ex.text;
        if (ex.in_training) {
          const note = document.createElement('span');
          note.className = 'example-note';
          note.lang = this.ctx.lang === 'zh' ? 'zh-CN' : 'en';
          note.textContent = t(this.ctx.lang, 'bert.inTraining');
          button.append(' ', note);
        }
        button.addEventListener('click', () => this.useExample(ex));
        return button;
      }),
    );
    const select = this.ctx.find<HTMLSelectElement>('held-out');
    const count = { zh: 0, en: 0 };
    select.replaceChildren(
      new Option(t(this.ctx.lang, 'bert.heldOutChoose'), ''),
      ...this.heldOut.map((h, i) => {
        const { cls, sep } = this.vocab.special;
        const text = detokenize(h.ids.filter((id) => id !== cls && id !== sep).map((id) => this.vocab.tokens[id] ?? ''), this.vocab);
        const n = ++count[h.lang];
        const label = t(this.ctx.lang, 'bert.heldOutOption', { lang: t(this.ctx.lang, h.lang === 'zh' ? 'translator.lang.zh' : 'translator.lang.en'), n, text: [...text].slice(0, 30).join('') });
        return new Option(label, String(i));
      }),
    );
    // Text typed while the model was loading is the input; otherwise the first example in the page's language.
    const first = examples.find((e) => e.lang === this.ctx.lang) ?? examples[0];
    if (this.box.value.trim()) this.current = this.fromText(null);
    else if (first) {
      this.box.value = first.text;
      this.current = this.withMask(this.fromText(null), first.positions);
    } else return null;
    this.renderTokens();
    return this.feeds();
  }

  /** Puts an example in the box with its masks, and runs. */
  useExample(ex: Example): void {
    clearTimeout(this.timer);
    this.box.value = ex.text;
    this.submit(() => this.withMask(this.fromText(null), ex.positions));
  }

  /** Masks or unmasks token `index`, and runs. */
  toggle(index: number): void {
    const seq = this.current;
    if (!seq || seq.special.has(index)) return;
    const masked = new Set(seq.masked);
    if (!masked.delete(index)) masked.add(index);
    this.current = { ...seq, masked: [...masked].sort((a, b) => a - b) };
    this.ctx.onInput(this.feeds());
    this.renderTokens();
  }

  private submit(make: () => Sequence): void {
    let seq: Sequence;
    try {
      seq = make();
    } catch (err) {
      this.box.setAttribute('aria-invalid', 'true');
      this.ctx.onError(err);
      return;
    }
    this.box.removeAttribute('aria-invalid');
    this.current = seq;
    this.ctx.onInput(this.feeds());
    this.renderTokens();
  }

  /** The box's text, tokenized; tokens masked in `before` stay masked where they still are. */
  private fromText(before: Sequence | null): Sequence {
    this.ctx.find<HTMLSelectElement>('held-out').value = '';
    let text = this.box.value;
    const cut = text.length > MAX_CHARS;
    // Cut on a code point, never between the halves of a surrogate pair.
    if (cut) text = text.slice(0, /[\uD800-\uDBFF]/.test(text[MAX_CHARS - 1]!) ? MAX_CHARS - 1 : MAX_CHARS);
    const br = text.search(/\r?\n/);
    const a = br < 0 ? text : text.slice(0, br);
    const b = br < 0 ? undefined : text.slice(br).replace(/^\r?\n/, '');
    if (!a.trim() && !b?.trim()) throw new WidgetError('error.bertEmpty');
    const pair = encodePair(this.vocab, a, b);
    const { cls, sep } = this.vocab.special;
    const special = new Set(pair.ids.flatMap((id, i) => (pair.spans[i] === null && (id === cls || id === sep) ? [i] : [])));
    const total = tokenize(this.vocab, a).length + (b === undefined ? 0 : tokenize(this.vocab, b).length);
    const keys = pair.spans.map((s, i) => (s ? `${s.segment}:${s.start}:${pair.tokens[i]}` : null));
    const kept = new Set(before?.masked.map((i) => before.keys[i]).filter((k): k is string => !!k));
    return {
      ids: pair.ids, tokens: pair.tokens, segments: pair.segments, special, keys, cut,
      masked: keys.flatMap((k, i) => (k && kept.has(k) ? [i] : [])),
      dropped: total - (pair.ids.length - special.size),
    };
  }

  /** Masks the tokens at `positions` (0 = [CLS]) that the sequence holds and that are not special. */
  private withMask(seq: Sequence, positions: readonly number[] = []): Sequence {
    const ok = (p: number) => p < seq.ids.length && !seq.special.has(p);
    return { ...seq, masked: [...new Set(positions.filter(ok))].sort((a, b) => a - b) };
  }

  /** A held-out passage with the originals back in place of its [MASK]s, masked where PyTorch masked it. */
  private fromHeldOut(h: HeldOut): Sequence {
    clearTimeout(this.timer);
    const ids = h.ids.slice();
    h.positions.forEach((p, k) => (ids[p] = h.targets[k]!));
    const { cls, sep } = this.vocab.special;
    const tokens = ids.map((id) => this.vocab.tokens[id] ?? String(id));
    const special = new Set(ids.flatMap((id, i) => (id === cls || id === sep ? [i] : [])));
    const segment = (s: number) => tokens.filter((_, i) => !special.has(i) && h.segments[i] === s);
    const b = segment(1);
    this.box.value = detokenize(segment(0), this.vocab) + (b.length ? `\n${detokenize(b, this.vocab)}` : '');
    return {
      ids, tokens, segments: h.segments.slice(), masked: [...h.positions].sort((x, y) => x - y), special,
      keys: ids.map(() => null), dropped: 0, cut: false,
    };
  }

  /** The current sequence as the masked-language model's feeds. With nothing masked, position 0 ([CLS])
   * is asked for, so that the graph still has a row to compute; the widget shows none for it. */
  feeds(): Feeds {
    const seq = this.current!;
    const { ids, segments, positions } = this.layout;
    const mask = new Set(seq.masked);
    const fed = seq.ids.map((id, i) => (mask.has(i) ? this.vocab.special.mask : id));
    const tensor = (spec: typeof ids, values: number[]): Feed => ({
      dtype: spec.dtype, dims: [1, values.length], data: spec.dtype === 'int64' ? BigInt64Array.from(values, BigInt) : Int32Array.from(values),
    });
    return {
      [ids.name]: tensor(ids, fed),
      [segments.name]: tensor(segments, seq.segments),
      [positions.name]: tensor(positions, seq.masked.length ? seq.masked : [0]),
    };
  }

  private renderTokens(): void {
    const seq = this.current;
    if (!seq) return;
    const lang = this.ctx.lang;
    renderTokenPicker(this.ctx.find('tokens'), {
      tokens: seq.tokens,
      pressed: new Set(seq.masked),
      pressedText: this.vocab.tokens[this.vocab.special.mask],
      special: seq.special,
      group: (i) => (seq.special.has(i) ? undefined : seq.segments[i] ? 'b' : 'a'),
      lang: (i) => langOf(seq.tokens[i]!),
      data: (i) => ({ id: String(seq.ids[i]) }),
      describePressed: (i) => t(lang, 'bert.maskedWas', { token: seq.tokens[i]! }),
      onToggle: (i) => this.toggle(i),
    });
    const notice = this.ctx.find('cut');
    const lines = [
      ...(seq.cut ? [t(lang, 'bert.charsCut', { chars: MAX_CHARS.toLocaleString(lang === 'zh' ? 'zh-CN' : 'en') })] : []),
      ...(seq.dropped > 0 ? [t(lang, 'bert.truncated', { dropped: seq.dropped, max: this.vocab.max_len })] : []),
    ];
    notice.textContent = lines.join(' ');
    notice.hidden = !lines.length;
    notice.dataset.dropped = String(seq.dropped);
  }
}
