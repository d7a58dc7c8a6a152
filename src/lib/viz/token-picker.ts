/**
 * A sequence of tokens as a row of chips the reader switches on and off (masks them, picks them): each
 * choosable chip is a toggle button (aria-pressed), the others are shown only. One chip is in the tab order;
 * ← → (and Home, End) move between the choosable chips, Enter or Space toggles one. Chips may belong to a
 * group (data-group, styled by CSS) and be marked special. Plain DOM; knows nothing of models.
 */

export interface TokenPickerOptions {
  /** Text of every chip, as shown when it is not pressed. */
  tokens: readonly string[];
  /** Text shown instead while a chip is pressed (e.g. "[MASK]"); its own text then stays readable to
   * screen readers and in its tooltip. */
  pressedText?: string;
  pressed: ReadonlySet<number>;
  /** Chips that cannot be toggled (e.g. [CLS] and [SEP]). */
  special?: ReadonlySet<number>;
  /** A group name per chip (data-group), e.g. the segment. */
  group?: (index: number) => string | undefined;
  /** A language per chip (its lang attribute), for text in more than one script. */
  lang?: (index: number) => string | undefined;
  /** Extra attributes per chip for tools and tests, e.g. { id: '1643' } → data-id. */
  data?: (index: number) => Record<string, string>;
  /** Accessible text added to a pressed chip (e.g. "masked, was 明"). */
  describePressed?: (index: number) => string;
  onToggle: (index: number) => void;
}

export function renderTokenPicker(list: HTMLOListElement, opts: TokenPickerOptions): void {
  // A rebuilt list keeps the keyboard where it was: on the chip of the same index.
  const focused = list.contains(document.activeElement) ? Number((document.activeElement as HTMLElement).closest('li')?.dataset.index) : NaN;
  const roving = list.dataset.roving !== undefined ? Number(list.dataset.roving) : NaN;
  list.classList.add('token-strip', 'token-picker');
  const buttons: HTMLButtonElement[] = [];
  list.replaceChildren(
    ...opts.tokens.map((text, i) => {
      const item = document.createElement('li');
      item.className = 'token';
      item.dataset.index = String(i);
      const group = opts.group?.(i);
      if (group !== undefined) item.dataset.group = group;
      for (const [key, value] of Object.entries(opts.data?.(i) ?? {})) item.dataset[key] = value;
      const lang = opts.lang?.(i);
      if (lang) item.lang = lang;
      if (opts.special?.has(i)) {
        item.classList.add('special');
        item.textContent = text;
        return item;
      }
      const pressed = opts.pressed.has(i);
      item.classList.toggle('pressed', pressed);
      const button = document.createElement('button');
      button.type = 'button';
      button.tabIndex = -1;
      button.setAttribute('aria-pressed', String(pressed));
      if (pressed && opts.pressedText) {
        button.textContent = opts.pressedText;
        button.title = text;
        const hidden = document.createElement('span');
        hidden.className = 'visually-hidden';
        hidden.textContent = ` ${opts.describePressed?.(i) ?? text}`;
        button.append(hidden);
      } else {
        button.textContent = text;
      }
      button.addEventListener('click', () => opts.onToggle(i));
      button.addEventListener('keydown', (e) => {
        const at = buttons.indexOf(button);
        const to = { ArrowRight: at + 1, ArrowDown: at + 1, ArrowLeft: at - 1, ArrowUp: at - 1, Home: 0, End: buttons.length - 1 }[e.key];
        if (to === undefined || to < 0 || to >= buttons.length) return;
        e.preventDefault();
        move(to);
      });
      button.addEventListener('focus', () => {
        for (const b of buttons) b.tabIndex = b === button ? 0 : -1;
        list.dataset.roving = String(i);
      });
      buttons.push(button);
      item.append(button);
      return item;
    }),
  );
  const move = (to: number) => buttons[to]!.focus();
  const indexOf = (b: HTMLButtonElement) => Number(b.closest('li')!.dataset.index);
  const keep = buttons.find((b) => indexOf(b) === focused) ?? buttons.find((b) => indexOf(b) === roving) ?? buttons[0];
  if (keep) keep.tabIndex = 0;
  if (keep && indexOf(keep) === focused) keep.focus();
}
