/**
 * One head's attention read token by token: the sequence as a row of chips, one of them the query, and
 * under every chip a bar as long as the weight the query gives it (scaled to the row's largest weight, so
 * a spread-out row stays visible). Hovering a chip shows its row for as long as the pointer stays; a click,
 * a tap or the keyboard focus (← → Home End move it) makes it the query. Plain DOM; knows nothing of models.
 */

export interface AttentionTokensOptions {
  tokens: readonly string[];
  /** n × n weights, row-major: row q is how query q spreads its attention over the keys. */
  weights: ArrayLike<number>;
  query: number;
  special?: ReadonlySet<number>;
  group?: (index: number) => string | undefined;
  lang?: (index: number) => string | undefined;
  /** Accessible name of the whole strip. */
  label: string;
  /** Text of one key's weight for its tooltip and screen readers. */
  describe: (query: number, key: number, weight: number) => string;
  /** Called when the reader makes another token the query (not while merely hovering). */
  onQuery?: (query: number) => void;
}

export function renderAttentionTokens(list: HTMLOListElement, opts: AttentionTokensOptions): void {
  const n = opts.tokens.length;
  const hadFocus = list.contains(document.activeElement);
  list.classList.add('token-strip', 'attention-tokens');
  list.setAttribute('aria-label', opts.label);
  let pinned = Math.min(Math.max(opts.query, 0), n - 1);
  const items: { item: HTMLLIElement; button: HTMLButtonElement; bar: HTMLSpanElement; value: HTMLSpanElement }[] = [];

  const show = (query: number) => {
    list.dataset.query = String(query);
    let max = 0;
    for (let k = 0; k < n; k++) max = Math.max(max, opts.weights[query * n + k]!);
    items.forEach(({ item, button, bar, value }, k) => {
      const w = opts.weights[query * n + k]!;
      item.dataset.weight = String(w);
      if (k === query) item.setAttribute('aria-current', 'true');
      else item.removeAttribute('aria-current');
      bar.style.width = `${max > 0 ? (100 * w) / max : 0}%`;
      button.title = opts.describe(query, k, w);
      value.textContent = ` ${button.title}`;
    });
  };
  const pin = (query: number) => {
    if (query !== pinned) {
      pinned = query;
      opts.onQuery?.(query);
    }
    items.forEach(({ button }, k) => (button.tabIndex = k === query ? 0 : -1));
    show(query);
  };

  list.replaceChildren(
    ...opts.tokens.map((text, k) => {
      const item = document.createElement('li');
      item.className = 'token';
      item.dataset.index = String(k);
      if (opts.special?.has(k)) item.classList.add('special');
      const group = opts.group?.(k);
      if (group !== undefined) item.dataset.group = group;
      const lang = opts.lang?.(k);
      if (lang) item.lang = lang;
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = text;
      const value = document.createElement('span');
      value.className = 'visually-hidden';
      button.append(value);
      const bar = document.createElement('span');
      bar.className = 'attention-bar';
      bar.setAttribute('aria-hidden', 'true');
      item.append(button, bar);
      button.addEventListener('click', () => pin(k));
      button.addEventListener('focus', () => pin(k));
      item.addEventListener('pointerenter', () => show(k));
      button.addEventListener('keydown', (e) => {
        const to = { ArrowRight: k + 1, ArrowDown: k + 1, ArrowLeft: k - 1, ArrowUp: k - 1, Home: 0, End: n - 1 }[e.key];
        if (to === undefined || to < 0 || to >= n) return;
        e.preventDefault();
        items[to]!.button.focus();
      });
      items.push({ item, button, bar, value });
      return item;
    }),
  );
  list.onpointerleave = () => show(pinned);
  items.forEach(({ button }, k) => (button.tabIndex = k === pinned ? 0 : -1));
  show(pinned);
  if (hadFocus) items[pinned]?.button.focus();
}
