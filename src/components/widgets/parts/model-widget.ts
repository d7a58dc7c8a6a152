/**
 * What every live-model widget shares: the model cards embedded in its markup, loading on first view or
 * use (a session per card graph it needs), the backend choice, status, progress, notices, errors with
 * Retry, a Stop button for loops (`stoppable`), one queue for every job (load, draw, verify) so that two never
 * interleave, and the check against PyTorch. A subclass says where its input comes from (`createInput`)
 * and what to run and draw (`draw`).
 */
import { t, type Lang, type UiKey } from '../../../i18n';
import { embeddedCards, graphOf, type ModelCard } from '../../../lib/card';
import {
  RETRYABLE, WidgetError, asWidgetError, endProfile, fetchCardJson, isAbort, openModel, pausedSoFar, release, run, runtimeStats,
  type Fallback, type Feed, type ModelHandle, type ProfileSummary, type ProviderChoice,
} from '../../../lib/runtime';
import type { Tolerance } from '../../../lib/verify/golden';
import type { VerifyRow } from '../../../lib/verify';
import { RunQueue } from './run-queue';

export type Feeds = Record<string, Feed>;

/** Where a widget's input comes from: images, scenes, and later text, a seed, settings. */
export interface InputSource {
  /** Downloads what the source offers and returns the feeds of its first input (without running). */
  load(signal: AbortSignal): Promise<Feeds | null>;
}

/** What ModelWidget hands an input source: its markup, the model card, where new inputs and errors go,
 * and the one way to download a file of the model's folder. */
export interface InputContext {
  find: <T extends HTMLElement>(name: string) => T;
  card: ModelCard;
  lang: Lang;
  onInput: (feeds: Feeds) => void;
  onError: (err: unknown) => void;
  /** A JSON file of the card's folder, hash-checked against the card (an unchecked hash shows a notice). */
  fetchJson: <T>(file: string, signal?: AbortSignal) => Promise<T>;
}

type State = 'idle' | 'loading' | 'ready' | 'running' | 'error';

const FALLBACK_NOTICE: Record<Exclude<Fallback, null>, UiKey> = {
  'no-adapter': 'widget.fellBack',
  'session-failed': 'widget.fellBackSession',
  'run-failed': 'widget.fellBackRun',
};
const PROVIDERS = ['auto', 'webgpu', 'wasm'];

export abstract class ModelWidget<S extends InputSource = InputSource> extends HTMLElement {
  protected cards: ModelCard[] = [];
  protected uiLang: Lang = 'en';
  protected inputs!: S;
  private feeds: Feeds | null = null;
  private handles = new Map<string, ModelHandle>();
  private queue = new RunQueue();
  /** The signal of the job now running; runModel and loop stop between runs when it aborts. */
  private signal: AbortSignal = new AbortController().signal;
  private wired = false;
  private started = false;
  private observer: IntersectionObserver | null = null;
  private looping = false;
  private stopRequested = false;

  /** The source of this widget's inputs. */
  protected abstract createInput(ctx: InputContext): S;
  /** Wires the widget's own controls, once, after the cards are known. */
  protected abstract setup(): void;
  /** Runs the models on `feeds` and draws the results; returns the milliseconds spent in inference. */
  protected abstract draw(feeds: Feeds): Promise<number>;

  /** The graphs of card `i` the widget runs (default: the first); each gets a session when loading. */
  protected graphsOf(card: ModelCard): string[] {
    return [graphOf(card).name];
  }

  protected el<T extends Element = HTMLElement>(name: string): T {
    const el = this.querySelector<T>(`[data-part="${name}"]`);
    if (!el) throw new Error(`widget markup lacks data-part="${name}"`);
    return el;
  }

  connectedCallback(): void {
    if (!this.wired) this.wire();
    this.queue.open();
    if (this.started) return; // moved in the DOM without leaving it
    // Load when the widget comes near the viewport, or at once when the reader uses it.
    this.observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) this.start();
    }, { rootMargin: '200px' });
    this.observer.observe(this);
  }

  disconnectedCallback(): void {
    // A move within the page reconnects in the same task; only a widget that stays out lets go.
    queueMicrotask(() => {
      if (!this.isConnected) void this.teardown();
    });
  }

  private wire(): void {
    this.uiLang = this.dataset.lang === 'zh' ? 'zh' : 'en';
    this.cards = embeddedCards(this.el('cards').textContent);
    this.inputs = this.createInput({
      find: (name) => this.el(name),
      card: this.cards[0]!,
      lang: this.uiLang,
      onInput: (feeds) => {
        this.feeds = feeds;
        this.refresh();
      },
      onError: (err) => this.fail(err),
      fetchJson: async <T,>(file: string, signal?: AbortSignal) => {
        const { value, verified } = await fetchCardJson<T>(this.cards[0]!, file, { signal });
        this.noteVerified(verified);
        return value;
      },
    });
    const provider = this.el<HTMLSelectElement>('provider');
    // ?provider=wasm (or webgpu) preselects the backend: a link can reproduce what a reader saw.
    const asked = new URLSearchParams(location.search).get('provider');
    if (asked && PROVIDERS.includes(asked)) provider.value = asked;
    provider.addEventListener('change', () => {
      this.clearVerdict(); // it was reached on the other backend
      if (this.started) void this.queue.submit('load', (s) => this.job(s, () => this.load()), { preempt: true });
    });
    this.el('verify').addEventListener('click', () => {
      // At once, not when the job starts: while it waits behind another job, an earlier verdict (perhaps
      // from the other backend) must not stand as this check's answer.
      this.clearVerdict();
      this.start();
      void this.queue.submit('verify', (s) => this.job(s, () => this.verify()));
    });
    this.el('stop').addEventListener('click', () => {
      this.stopRequested = true;
      this.queue.abort();
    });
    this.el('retry').addEventListener('click', () => {
      this.clearError();
      void this.queue.submit('load', (s) => this.job(s, () => this.load()));
    });
    this.addEventListener('pointerdown', () => this.start());
    this.addEventListener('focusin', () => this.start());
    this.setup();
    this.wired = true;
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    this.observer?.disconnect();
    void this.queue.submit('load', (s) => this.job(s, () => this.load()));
  }

  private async teardown(): Promise<void> {
    this.observer?.disconnect();
    this.started = false;
    await this.queue.close();
    if (this.isConnected) return; // put back while its jobs were stopping: it has started again
    await this.releaseAll();
    this.dataset.state = 'idle' satisfies State;
  }

  /** Runs the current input again and redraws (after a new input or a changed view); waits for a running
   * job, or stops a running loop, whose result the change makes moot. Public for `npm run bench`, which
   * times the same input again and again whatever the widget's controls. */
  refresh(): void {
    if (!this.started) return this.start(); // loading ends with a run of the current input
    void this.queue.submit('draw', (s) => this.job(s, () => this.redraw()), { preempt: this.looping });
  }

  /** Runs `body` as the queue's current job: its signal is the one runModel and loop obey, and whatever it
   * throws is shown (an abort only as "stopped" when the reader asked for it). */
  private async job(signal: AbortSignal, body: () => Promise<void>): Promise<void> {
    this.signal = signal;
    this.stopRequested = false;
    try {
      await body();
    } catch (err) {
      if (!isAbort(err)) this.fail(err);
      else if (this.stopRequested) this.stopped();
    } finally {
      this.el('progress').hidden = true;
    }
  }

  /** Loads the inputs (once), opens every needed graph of every card on the chosen backend, runs. */
  private async load(): Promise<void> {
    this.clearError();
    this.dataset.state = 'loading' satisfies State;
    const progress = this.el<HTMLProgressElement>('progress');
    progress.hidden = false;
    progress.removeAttribute('value');
    this.say('widget.loadingRuntime');
    this.feeds ??= await this.inputs.load(this.signal);
    await this.releaseAll(); // a backend switch: the old sessions go before the new ones are made
    const choice = this.el<HTMLSelectElement>('provider').value as ProviderChoice;
    const profile = new URLSearchParams(location.search).has('profile');
    const wanted = this.cards.flatMap((card, i) => this.graphsOf(card).map((graph) => ({ card, i, graph })));
    for (const [k, { card, i, graph }] of wanted.entries()) {
      const handle = await openModel({
        card, graph, choice, profile, signal: this.signal,
        // The runtime's WebAssembly binary comes once a page, before the first model.
        onProgress: (f, part) => {
          progress.value = part === 'runtime' ? f : (k + f) / wanted.length;
          this.say(part === 'runtime' ? 'widget.loadingRuntime' : 'widget.loadingModel');
        },
      });
      this.handles.set(`${i}/${graph}`, handle);
      this.noteVerified(handle.verified);
    }
    this.showProvider();
    this.say('widget.warming');
    progress.removeAttribute('value');
    await this.redraw();
    if (profile) this.dataset.profile = JSON.stringify(await this.profiles());
  }

  /** Kernels per execution provider over all of this widget's sessions, from onnxruntime's own profiles. */
  private async profiles(): Promise<ProfileSummary> {
    const merged: ProfileSummary = {};
    for (const handle of this.handles.values()) {
      for (const [provider, s] of Object.entries(await endProfile(handle))) {
        const m = (merged[provider] ??= { count: 0, ops: [] });
        m.count += s.count;
        m.ops.push(...s.ops.filter((op) => !m.ops.includes(op)));
      }
    }
    return merged;
  }

  private async redraw(): Promise<void> {
    if (!this.handles.size || !this.feeds) return;
    this.dataset.state = 'running' satisfies State;
    this.say('widget.running');
    this.clearError();
    const start = performance.now();
    const paused = pausedSoFar();
    const ms = await this.draw(this.feeds);
    // End to end (the feeds, the runs, the drawing; not the pauses that pace a Play) beside the time inside
    // session.run: `npm run bench` reads both, and their ratio is what the widget adds.
    this.dataset.totalMs = (performance.now() - start - (pausedSoFar() - paused)).toFixed(2);
    this.dataset.ms = ms.toFixed(2);
    const { sessions, peakRuns } = runtimeStats();
    this.dataset.sessions = String(sessions);
    this.dataset.peakRuns = String(peakRuns);
    this.showProvider(); // a failed WebGPU run may have moved a model to WASM
    if (this.stopRequested) this.stopped();
    else this.say('widget.ready', { provider: this.providerName(), ms: ms.toFixed(1) });
    this.dataset.state = 'ready' satisfies State;
  }

  private async releaseAll(): Promise<void> {
    const handles = [...this.handles.values()];
    this.handles.clear();
    await Promise.all(handles.map((h) => release(h)));
  }

  /** The session of graph `graph` of card `i`, opened on the current backend if the widget has none yet. */
  private async handle(i: number, graph: string): Promise<ModelHandle> {
    const key = `${i}/${graph}`;
    let handle = this.handles.get(key);
    if (!handle) {
      const choice = this.el<HTMLSelectElement>('provider').value as ProviderChoice;
      handle = await openModel({ card: this.cards[i]!, graph, choice, signal: this.signal });
      this.handles.set(key, handle);
      this.noteVerified(handle.verified);
    }
    return handle;
  }

  /** Runs card `i`'s graph (its first by default) on `feeds`, fetching only `fetches`; stops between runs
   * when the job is aborted. */
  protected async runModel(i: number, feeds: Feeds, fetches: string[], graph = graphOf(this.cards[i]!).name) {
    return run(await this.handle(i, graph), feeds, fetches, { signal: this.signal });
  }

  /** Runs `work` — a loop of runs (decoding, sampling) — with the job's signal while the Stop button
   * shows; Stop or a new input aborts the signal, and the loop ends between two runs. */
  protected async stoppable<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const stop = this.el('stop');
    stop.hidden = false;
    this.looping = true;
    try {
      return await work(this.signal);
    } finally {
      stop.hidden = true;
      this.looping = false;
    }
  }

  protected say(key: UiKey, vars: Record<string, string | number> = {}): void {
    this.el('status').textContent = t(this.uiLang, key, vars);
  }

  private stopped(): void {
    this.say('widget.stopped');
    this.dataset.state = 'ready' satisfies State;
  }

  protected fail(err: unknown): void {
    const e = asWidgetError(err);
    this.el('error').textContent = t(this.uiLang, e.key, e.vars);
    this.el('error').dataset.key = e.key;
    this.el('retry').hidden = !RETRYABLE.includes(e.key);
    this.el('error-box').hidden = false;
    this.el('progress').hidden = true;
    this.say('widget.failed');
    this.dataset.state = 'error' satisfies State;
    console.error(err);
  }

  private clearError(): void {
    this.el('error-box').hidden = true;
    delete this.el('error').dataset.key;
  }

  /** The backend that ran, and a notice when 'auto' had to fall back to WASM (each reason its own). */
  private showProvider(): void {
    const handles = [...this.handles.values()];
    const first = handles[0];
    if (!first) return;
    this.dataset.provider = first.provider;
    const fallback = handles.find((h) => h.fallback)?.fallback;
    const notice = this.el('notice');
    notice.hidden = !fallback;
    notice.textContent = fallback ? t(this.uiLang, FALLBACK_NOTICE[fallback]) : '';
    if (fallback) this.dataset.fallback = fallback;
    else delete this.dataset.fallback;
  }

  private noteVerified(verified: boolean): void {
    if (!verified) this.el('unverified').hidden = false;
  }

  private providerName(): string {
    const provider = this.handles.values().next().value?.provider;
    return t(this.uiLang, provider === 'webgpu' ? 'widget.provider.webgpu' : 'widget.provider.wasm');
  }

  /** Results of an earlier check must not pass for the next one. */
  private clearVerdict(): void {
    delete this.dataset.verify;
    this.el('verify-table').hidden = true;
    this.el('verify-summary').textContent = '';
  }

  /** Runs every golden case of every card on the current backend and shows how each output compares. */
  private async verify(): Promise<void> {
    if (!this.handles.size) return; // loading failed; its error is showing
    this.clearVerdict();
    this.el('verify-summary').textContent = t(this.uiLang, 'widget.running');
    const rows: VerifyRow[] = [];
    let tolerance: Tolerance;
    try {
      // Loaded on first use: golden files are checked with zod, which a page need not load to be read.
      const { TOLERANCE, verifyModel } = await import('../../../lib/verify');
      tolerance = TOLERANCE;
      for (const [i, card] of this.cards.entries()) {
        const verdict = await verifyModel({ card, open: (graph) => this.handle(i, graph), signal: this.signal });
        this.noteVerified(verdict.verified);
        const prefix = this.cards.length > 1 ? `${card.slug}: ` : '';
        rows.push(...verdict.rows.map((r) => ({ ...r, output: prefix + r.output })));
      }
    } finally {
      this.el('verify-summary').textContent = ''; // the error box (or the verdict below) says what happened
    }
    this.showVerdict(rows, tolerance);
  }

  private showVerdict(rows: VerifyRow[], tolerance: Tolerance): void {
    const table = this.el<HTMLTableElement>('verify-table');
    table.tBodies[0]!.replaceChildren(
      ...rows.map((r) => {
        const tr = document.createElement('tr');
        tr.dataset.ok = String(r.ok);
        for (const text of [r.output, r.maxAbs.toExponential(2), t(this.uiLang, r.ok ? 'widget.verifyPass' : 'widget.verifyFail')]) {
          tr.append(Object.assign(document.createElement('td'), { textContent: text }));
        }
        return tr;
      }),
    );
    table.hidden = false;
    const passed = rows.reduce((n, r) => n + r.passed, 0);
    const total = rows.reduce((n, r) => n + r.total, 0);
    this.el('verify-summary').textContent = t(this.uiLang, 'widget.verifySummary', {
      provider: this.providerName(), passed, total, atol: tolerance.atol, rtol: tolerance.rtol,
    });
    const provider = this.handles.values().next().value?.provider;
    this.dataset.verify = JSON.stringify({ provider, passed, total, rows });
  }
}
