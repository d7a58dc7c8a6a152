/**
 * What every live-model widget shares: model cards embedded in its markup, loading on first view or use,
 * the backend choice, status/progress/error display, serialised and coalesced runs, and the check against
 * PyTorch's golden tensors. A subclass only says what to run and how to draw it (`draw`).
 */
import { t, type Lang, type UiKey } from '../../../i18n';
import { parseCard, type ModelCard } from '../../../lib/runtime/card';
import { WidgetError, asWidgetError } from '../../../lib/runtime/errors';
import { compareOutput, type Comparison, type GoldenFile } from '../../../lib/runtime/golden';
import { endProfile, openModel, run, type ModelHandle, type ProviderChoice, type Tensor } from '../../../lib/runtime/ort';
import { normalise, type Grey } from '../../../lib/input/preprocess';
import { ImageInput } from './image-input';
import type { InputContext, InputSource } from './grey-input';

type State = 'idle' | 'loading' | 'ready' | 'running' | 'error';

export abstract class ModelWidget extends HTMLElement {
  protected cards: ModelCard[] = [];
  protected uiLang: Lang = 'en';
  protected handles: ModelHandle[] = [];
  protected inputs!: InputSource;
  private input: Grey | null = null;
  private started: Promise<void> | null = null;
  private busy = false;
  private rerun = false;

  /** Runs the models on `input` and draws the results; returns the milliseconds spent in inference. */
  protected abstract draw(input: Tensor): Promise<number>;
  /** Wires the widget's own controls, once, after the cards are known. */
  protected abstract setup(): void;

  protected el<T extends Element = HTMLElement>(name: string): T {
    const el = this.querySelector<T>(`[data-part="${name}"]`);
    if (!el) throw new Error(`widget markup lacks data-part="${name}"`);
    return el;
  }

  connectedCallback(): void {
    if (this.cards.length) return; // moved in the DOM, already set up
    this.uiLang = this.dataset.lang === 'zh' ? 'zh' : 'en';
    try {
      const raw: unknown = JSON.parse(this.el('cards').textContent ?? '[]');
      this.cards = (raw as unknown[]).map(parseCard);
    } catch (err) {
      this.fail(new WidgetError('error.cardInvalid', { detail: (err as Error).message }));
      return;
    }
    this.inputs = this.createInput({
      find: (name) => this.el(name),
      card: this.cards[0]!,
      lang: this.uiLang,
      onInput: (img) => this.setInput(img),
      onError: (err) => this.fail(err),
    });
    this.el<HTMLSelectElement>('provider').addEventListener('change', () => void this.reload());
    this.el('verify').addEventListener('click', () => void this.verify());
    this.setup();
    // Load when the widget comes near the viewport, or at once when the reader uses it.
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) {
        observer.disconnect();
        void this.start();
      }
    }, { rootMargin: '200px' });
    observer.observe(this);
    this.addEventListener('pointerdown', () => void this.start(), { once: true });
    this.addEventListener('focusin', () => void this.start(), { once: true });
  }

  /** The classifiers' input: test images, drawing pad, upload. */
  protected createInput(ctx: InputContext): InputSource {
    return new ImageInput(ctx);
  }

  protected say(key: UiKey, vars: Record<string, string | number> = {}): void {
    this.el('status').textContent = t(this.uiLang, key, vars);
  }

  protected fail(err: unknown): void {
    const e = asWidgetError(err);
    const box = this.el('error');
    box.textContent = t(this.uiLang, e.key, e.vars);
    box.hidden = false;
    box.dataset.key = e.key;
    this.el('progress').hidden = true;
    this.dataset.state = 'error' satisfies State;
    console.error(err);
  }

  private clearError(): void {
    this.el('error').hidden = true;
    delete this.el('error').dataset.key;
  }

  private start(): Promise<void> {
    this.started ??= (async () => {
      try {
        this.input = await this.inputs.load();
        await this.reload();
      } catch (err) {
        this.fail(err);
      }
    })();
    return this.started;
  }

  private setInput(img: Grey): void {
    this.input = img;
    void this.refresh();
  }

  /** (Re)opens every model on the chosen backend, then runs the current input. */
  private async reload(): Promise<void> {
    if (!this.started) return this.start();
    this.clearError();
    this.dataset.state = 'loading' satisfies State;
    const progress = this.el<HTMLProgressElement>('progress');
    progress.hidden = false;
    progress.removeAttribute('value');
    this.say('widget.loadingRuntime');
    try {
      const choice = this.el<HTMLSelectElement>('provider').value as ProviderChoice;
      const profile = new URLSearchParams(location.search).has('profile');
      this.handles = [];
      const handles: ModelHandle[] = [];
      for (const [i, card] of this.cards.entries()) {
        handles.push(await openModel({
          url: `/models/${card.slug}/model.onnx`,
          sha256: card.sha256,
          choice,
          profile,
          onProgress: (f) => {
            progress.value = (i + f) / this.cards.length;
            this.say('widget.loadingModel');
          },
        }));
      }
      this.handles = handles;
      this.dataset.provider = handles[0]!.provider;
      const notice = this.el('notice');
      notice.hidden = !handles[0]!.fellBack;
      notice.textContent = handles[0]!.fellBack ? t(this.uiLang, 'widget.fellBack') : '';
      this.say('widget.warming');
      progress.removeAttribute('value');
      await this.refresh(true);
      if (profile) {
        // Kernels per provider over all of this widget's sessions, from onnxruntime's own profiles.
        const merged: Record<string, { count: number; ops: string[] }> = {};
        for (const h of handles) {
          for (const [provider, s] of Object.entries(await endProfile(h))) {
            const m = (merged[provider] ??= { count: 0, ops: [] });
            m.count += s.count;
            m.ops.push(...s.ops.filter((op) => !m.ops.includes(op)));
          }
        }
        this.dataset.profile = JSON.stringify(merged);
      }
    } catch (err) {
      this.fail(err);
    } finally {
      progress.hidden = true;
    }
  }

  protected tensorOf(img: Grey): Tensor {
    const { width, height, channels } = this.cards[0]!.preprocess;
    return { dims: [1, channels, height, width], data: normalise(img, this.cards[0]!.preprocess) };
  }

  /** Runs the current input and redraws; inputs arriving mid-run coalesce into one more run. */
  protected async refresh(force = false): Promise<void> {
    if (!this.handles.length || !this.input) return;
    if (this.busy && !force) {
      this.rerun = true;
      return;
    }
    this.busy = true;
    this.dataset.state = 'running' satisfies State;
    this.say('widget.running');
    try {
      do {
        this.rerun = false;
        this.clearError();
        const ms = await this.draw(this.tensorOf(this.input));
        this.dataset.ms = ms.toFixed(2);
        this.say('widget.ready', { provider: this.providerName(), ms: ms.toFixed(1) });
      } while (this.rerun);
      this.dataset.state = 'ready' satisfies State;
    } catch (err) {
      this.fail(err);
    } finally {
      this.busy = false;
    }
  }

  protected runModel(i: number, input: Tensor, fetches: string[]) {
    return run(this.handles[i]!, input, fetches);
  }

  private providerName(): string {
    return t(this.uiLang, this.handles[0]?.provider === 'webgpu' ? 'widget.provider.webgpu' : 'widget.provider.wasm');
  }

  /** Runs every golden sample of every model with all outputs fetched and compares them with PyTorch. */
  private async verify(): Promise<void> {
    await this.start();
    if (!this.handles.length) return;
    // Results of an earlier check (perhaps on the other backend) must not pass for this one.
    delete this.dataset.verify;
    this.el('verify-table').hidden = true;
    this.el('verify-summary').textContent = t(this.uiLang, 'widget.running');
    try {
      const results: Comparison[] = [];
      let tolerance: GoldenFile['tolerance'] | undefined;
      for (const [i, card] of this.cards.entries()) {
        const response = await fetch(`/models/${card.slug}/${card.samples.golden}`);
        if (!response.ok) throw new WidgetError('error.modelMissing', { status: response.status });
        const golden = (await response.json()) as GoldenFile;
        tolerance = golden.tolerance;
        const names = card.outputs.map((o) => o.name);
        for (const c of golden.cases) {
          const out = await this.runModel(i, this.tensorOf(this.inputs.goldenInput(c.sample)), names);
          const prefix = this.cards.length > 1 ? `${card.slug}: ` : '';
          for (const name of names) {
            results.push(compareOutput(c.sample, prefix + name, out.outputs[name]!, c.outputs[name]!, golden.tolerance));
          }
        }
      }
      this.showVerdict(results, tolerance!);
    } catch (err) {
      this.fail(err);
    }
  }

  private showVerdict(results: Comparison[], tol: GoldenFile['tolerance']): void {
    const names = [...new Set(results.map((r) => r.output))];
    const rows = names.map((name) => {
      const mine = results.filter((r) => r.output === name);
      return { name, maxAbs: Math.max(...mine.map((r) => r.maxAbs)), ok: mine.every((r) => r.ok) };
    });
    const table = this.el<HTMLTableElement>('verify-table');
    table.tBodies[0]!.replaceChildren(
      ...rows.map((r) => {
        const tr = document.createElement('tr');
        tr.dataset.ok = String(r.ok);
        for (const text of [r.name, r.maxAbs.toExponential(2), t(this.uiLang, r.ok ? 'widget.verifyPass' : 'widget.verifyFail')]) {
          const td = document.createElement('td');
          td.textContent = text;
          tr.append(td);
        }
        return tr;
      }),
    );
    table.hidden = false;
    const passed = results.filter((r) => r.ok).length;
    this.el('verify-summary').textContent = t(this.uiLang, 'widget.verifySummary', {
      provider: this.providerName(), passed, total: results.length, atol: tol.atol, rtol: tol.rtol,
    });
    this.dataset.verify = JSON.stringify({ provider: this.handles[0]!.provider, passed, total: results.length, rows });
  }
}
