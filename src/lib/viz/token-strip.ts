/** A sequence of tokens as a row of chips, optionally with one marked (the token being predicted, or the
 * query row shown in an attention map). Plain DOM, one list item per token; knows nothing of models. */

export interface TokenStripOptions {
  /** Index of the chip to mark, if any. */
  current?: number;
  /** Token indices whose chips get the "special" style (BOS, EOS, a direction token). */
  special?: ReadonlySet<number>;
  /** Called with a chip's index when it is clicked or chosen with Enter/Space. */
  onChoose?: (index: number) => void;
}

export function renderTokenStrip(list: HTMLOListElement, tokens: readonly string[], opts: TokenStripOptions = {}): void {
  list.classList.add('token-strip');
  list.replaceChildren(
    ...tokens.map((text, i) => {
      const item = document.createElement('li');
      item.dataset.index = String(i);
      item.className = 'token';
      if (opts.special?.has(i)) item.classList.add('special');
      if (i === opts.current) item.setAttribute('aria-current', 'true');
      const chosen = opts.onChoose;
      if (chosen) {
        const button = document.createElement('button');
        button.type = 'button';
        button.textContent = text;
        button.addEventListener('click', () => chosen(i));
        item.append(button);
      } else {
        item.textContent = text;
      }
      return item;
    }),
  );
}
