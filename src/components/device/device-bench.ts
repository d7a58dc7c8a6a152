/**
 * <na-device-bench>: runs src/lib/bench on every model card and backend the reader ticks, one graph after
 * another, filling the table and the chart as rows arrive. When it ends, `data-results` holds the rows as
 * JSON and `data-state` is "done": the browser half of `npm run bench` reads them from there. `?runs=N`
 * and `?settle=MS` change the number of warm runs and how long each graph runs untimed before them (the e2e
 * test keeps both small).
 */
import { t, HTML_LANG, type Lang } from '../../i18n';
import { embeddedCards, type ModelCard } from '../../lib/card';
import { SETTLE_MS, WARM_RUNS, benchCard, graphLabel, webGpuAdapter, type BenchRow } from '../../lib/bench/measure';
import type { Reference } from '../../lib/bench/reference';
import { asWidgetError, hasWebGpu, isAbort, type Provider } from '../../lib/runtime';

type Row = { label: string; provider: Provider } & ({ result: BenchRow } | { error: string });

class DeviceBench extends HTMLElement {
  private uiLang: Lang = 'en';
  private cards: ModelCard[] = [];
  private reference: Reference | null = null;
  private rows: Row[] = [];
  private adapter: string | null = null;
  private controller: AbortController | null = null;

  connectedCallback(): void {
    if (this.cards.length) return;
    this.uiLang = this.dataset.lang === 'zh' ? 'zh' : 'en';
    this.cards = embeddedCards(this.el('cards').textContent);
    this.reference = JSON.parse(this.el('reference').textContent ?? 'null') as Reference | null;
    this.el('run').addEventListener('click', () => void this.runAll());
    this.el('stop').addEventListener('click', () => this.controller?.abort());
    this.el('copy').addEventListener('click', () => void this.copy());
    void this.probe();
  }

  private el<T extends HTMLElement = HTMLElement>(name: string): T {
    const el = this.querySelector<T>(`[data-part="${name}"]`);
    if (!el) throw new Error(`device bench markup lacks data-part="${name}"`);
    return el;
  }

  private say(text: string): void {
    this.el('status').textContent = text;
  }

  /** Which backends this browser offers, and what its WebGPU adapter says it is. */
  private async probe(): Promise<void> {
    const gpu = await hasWebGpu();
    this.adapter = gpu ? await webGpuAdapter() : null;
    const box = this.el<HTMLInputElement>('use-webgpu');
    box.disabled = !gpu;
    box.checked = gpu;
    this.el('adapter').textContent = !gpu
      ? t(this.uiLang, 'device.noWebGpu')
      : this.adapter ? t(this.uiLang, 'device.adapter', { adapter: this.adapter }) : t(this.uiLang, 'device.adapterUnnamed');
    this.dataset.webgpu = String(gpu);
  }

  private async runAll(): Promise<void> {
    const providers = (['wasm', 'webgpu'] as const).filter((p) => this.el<HTMLInputElement>(`use-${p}`).checked);
    const query = new URLSearchParams(location.search);
    const asked = Number(query.get('runs'));
    const runs = Number.isInteger(asked) && asked > 0 ? asked : WARM_RUNS;
    const settle = query.get('settle');
    const settleMs = settle !== null && Number(settle) >= 0 ? Number(settle) : SETTLE_MS;
    this.controller = new AbortController();
    const { signal } = this.controller;
    this.rows = [];
    this.render();
    this.dataset.state = 'running';
    delete this.dataset.results;
    for (const name of ['run', 'copy']) this.el<HTMLButtonElement>(name).disabled = true;
    this.el('stop').hidden = false;
    const progress = this.el<HTMLProgressElement>('progress');
    progress.hidden = false;
    const jobs = providers.flatMap((provider) => this.cards.map((card) => ({ provider, card })));
    try {
      for (const [k, { provider, card }] of jobs.entries()) {
        this.say(t(this.uiLang, 'device.progress', { model: card.slug, provider: this.providerName(provider), n: k + 1, total: jobs.length }));
        try {
          const results = await benchCard(card, provider, {
            runs, settleMs, signal,
            onProgress: (f, part) => (progress.value = (k + (part === 'runs' ? f : 0)) / jobs.length),
          });
          this.rows.push(...results.map((result) => ({ label: graphLabel(card, result.graph), provider, result })));
        } catch (err) {
          if (isAbort(err)) throw err;
          const e = asWidgetError(err);
          const error = t(this.uiLang, e.key, e.vars);
          this.rows.push(...card.graphs.map((g) => ({ label: graphLabel(card, g.name), provider, error })));
        }
        this.render();
      }
      this.say(t(this.uiLang, 'device.done', { n: this.rows.length }));
      this.dataset.state = 'done';
    } catch (err) {
      if (!isAbort(err)) throw err;
      this.say(t(this.uiLang, 'device.stopped'));
      this.dataset.state = 'stopped';
    } finally {
      this.el<HTMLButtonElement>('run').disabled = false;
      this.el<HTMLButtonElement>('copy').disabled = !this.rows.length;
      this.el('stop').hidden = true;
      progress.hidden = true;
      this.dataset.results = JSON.stringify({ adapter: this.adapter, runs, rows: this.rows });
    }
  }

  private number(ms: number | undefined): string {
    if (ms === undefined) return '–';
    return ms.toLocaleString(HTML_LANG[this.uiLang], { maximumFractionDigits: ms < 10 ? 2 : 1, minimumFractionDigits: ms < 10 ? 2 : 1 });
  }

  private referenceMs(row: Row): number | undefined {
    return this.reference?.medians[row.label]?.[row.provider];
  }

  private providerName(provider: Provider): string {
    return t(this.uiLang, provider === 'webgpu' ? 'widget.provider.webgpu' : 'widget.provider.wasm');
  }

  /** The rows by model, then backend: a model's backends side by side, whatever order they ran in. */
  private sorted(): Row[] {
    const labels = this.cards.flatMap((card) => card.graphs.map((g) => graphLabel(card, g.name)));
    const rank = (row: Row) => labels.indexOf(row.label) * 2 + (row.provider === 'webgpu' ? 1 : 0);
    return [...this.rows].sort((a, b) => rank(a) - rank(b));
  }

  private render(): void {
    const body = this.el<HTMLTableElement>('table').tBodies[0]!;
    body.replaceChildren(...this.sorted().map((row) => {
      const tr = document.createElement('tr');
      const cell = (text: string, numeric = false) => {
        const td = document.createElement('td');
        td.textContent = text;
        if (numeric) td.className = 'num';
        tr.append(td);
      };
      cell(row.label);
      cell(this.providerName(row.provider));
      if ('result' in row) {
        const r = row.result;
        for (const ms of [r.createMs, r.firstMs, r.medianMs]) cell(this.number(ms), true);
        cell(this.number(this.referenceMs(row)), true);
        cell(t(this.uiLang, r.ok ? 'device.checkPass' : 'device.checkFail', { max: r.maxAbs.toExponential(1) }));
        tr.dataset.ok = String(r.ok);
      } else {
        for (let i = 0; i < 3; i++) cell('–', true);
        cell(this.number(this.referenceMs(row)), true);
        cell(t(this.uiLang, 'device.failed', { error: row.error }));
        tr.dataset.ok = 'false';
      }
      return tr;
    }));
    this.renderChart();
    this.el('text').textContent = this.asText();
  }

  /** One pair of bars per measured row, on a log scale shared by all (runs span 0.1 ms to seconds). */
  private renderChart(): void {
    const measured = this.sorted().flatMap((row) => ('result' in row ? [{ row, ms: row.result.medianMs, ref: this.referenceMs(row) }] : []));
    this.el('chart').hidden = !measured.length;
    const all = measured.flatMap((m) => (m.ref === undefined ? [m.ms] : [m.ms, m.ref])).filter((ms) => ms > 0);
    const low = Math.log10(Math.min(...all) / 2);
    const high = Math.log10(Math.max(...all));
    const width = (ms: number) => `${Math.max(0, Math.min(100, (100 * (Math.log10(ms) - low)) / (high - low || 1)))}%`;
    this.el('bars').replaceChildren(...measured.map(({ row, ms, ref }) => {
      const div = document.createElement('div');
      div.className = 'bar-row';
      const label = document.createElement('span');
      label.textContent = `${row.label} · ${row.provider === 'webgpu' ? 'WebGPU' : 'WASM'}`;
      label.style.gridRow = ref === undefined ? 'auto' : 'span 2';
      const bar = (cls: string, value: number) => {
        const b = document.createElement('div');
        b.className = `bar ${cls}`;
        b.style.width = width(value);
        return b;
      };
      div.append(label, bar('yours', ms));
      if (ref !== undefined) div.append(bar('ref', ref));
      return div;
    }));
  }

  /** The results as a plain-text table, with what the numbers were measured on. */
  private asText(): string {
    const header = [t(this.uiLang, 'device.col.model'), t(this.uiLang, 'device.col.provider'), 'session', 'first', 'median', 'ref', 'PyTorch'];
    const lines = this.sorted().map((row) => {
      const base = [row.label, row.provider];
      if (!('result' in row)) return [...base, '', '', '', this.number(this.referenceMs(row)), row.error];
      const r = row.result;
      return [...base, this.number(r.createMs), this.number(r.firstMs), this.number(r.medianMs), this.number(this.referenceMs(row)),
        `${r.ok ? 'ok' : 'DIFFERS'} ${r.maxAbs.toExponential(1)}`];
    });
    const widths = header.map((_, i) => Math.max(...[header, ...lines].map((l) => [...l[i]!].length)));
    const format = (l: string[]) => l.map((s, i) => (i >= 2 && i <= 5 ? s.padStart(widths[i]!) : s.padEnd(widths[i]!))).join('  ').trimEnd();
    const adapter = this.adapter === null ? 'WebGPU: none' : `WebGPU: ${this.adapter || '?'}`;
    return [`Net Atlas · ${t(this.uiLang, 'device.title')} · ${new Date().toISOString().slice(0, 10)}`, navigator.userAgent, adapter, '',
      format(header), ...lines.map(format)].join('\n');
  }

  private async copy(): Promise<void> {
    const text = this.asText();
    try {
      await navigator.clipboard.writeText(text);
      this.say(t(this.uiLang, 'device.copied'));
    } catch {
      this.say(t(this.uiLang, 'device.copyFailed'));
      const pre = this.el('text');
      pre.hidden = false;
      getSelection()?.selectAllChildren(pre);
    }
  }
}

export function defineDeviceBench(): void {
  if (!customElements.get('na-device-bench')) customElements.define('na-device-bench', DeviceBench);
}
