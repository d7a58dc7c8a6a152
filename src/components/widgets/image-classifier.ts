/**
 * <na-image-classifier>: the image-classification widget, configured entirely by the model card embedded
 * in its markup (ImageClassifier.astro). Inputs: shipped test images, a drawing pad, an upload. Views:
 * top-5 probabilities, first-layer filters, per-layer feature maps, and a check against PyTorch's
 * golden tensors. The runtime loads when the widget first scrolls into view or is used.
 */
import { t, type Lang, type UiKey } from '../../i18n';
import { parseCard, outputsOfKind, type ModelCard } from '../../lib/runtime/card';
import { WidgetError, asWidgetError } from '../../lib/runtime/errors';
import { compareOutput, type Comparison, type GoldenFile } from '../../lib/runtime/golden';
import { endProfile, openModel, run, type ModelHandle, type ProviderChoice, type Tensor } from '../../lib/runtime/ort';
import { DrawPad } from '../../lib/input/draw-pad';
import { readImageFile } from '../../lib/input/image-file';
import { frameLikeDataset, greyFromBytes, greyFromRgba, normalise, type Grey } from '../../lib/input/preprocess';
import { parseSamples, type Sample } from '../../lib/input/samples';
import { ChannelGrid, type Scaling } from '../../lib/viz/channel-grid';
import { drawHeatmap, formatValue } from '../../lib/viz/heatmap';
import { renderProbBars } from '../../lib/viz/prob-bars';

type State = 'idle' | 'loading' | 'ready' | 'running' | 'error';

class ImageClassifier extends HTMLElement {
  private card!: ModelCard;
  private uiLang!: Lang;
  private handle: ModelHandle | null = null;
  private input: Grey | null = null;
  private samples: Sample[] = [];
  private started: Promise<void> | null = null;
  private filtersDrawn = false;
  private busy = false;
  private rerun = false;
  private maps!: ChannelGrid;
  private filters: ChannelGrid | null = null;
  private pad!: DrawPad;

  private el<T extends HTMLElement>(name: string): T {
    const el = this.querySelector<T>(`[data-part="${name}"]`);
    if (!el) throw new Error(`widget markup lacks data-part="${name}"`);
    return el;
  }

  connectedCallback(): void {
    this.uiLang = this.dataset.lang === 'zh' ? 'zh' : 'en';
    try {
      this.card = parseCard(JSON.parse(this.el('card').textContent ?? ''));
    } catch (err) {
      this.fail(new WidgetError('error.cardInvalid', { detail: (err as Error).message }));
      return;
    }
    this.maps = new ChannelGrid(this.el('maps'), { canvas: this.el('big'), caption: this.el('big-caption') });
    if (this.querySelector('[data-part="filters"]')) this.filters = new ChannelGrid(this.el('filters'));
    this.pad = new DrawPad(this.el('pad'), () => this.useDrawing());
    this.wireControls();
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

  private wireControls(): void {
    this.el<HTMLSelectElement>('provider').addEventListener('change', () => void this.reload());
    this.el<HTMLSelectElement>('layer').addEventListener('change', () => void this.refresh());
    this.el<HTMLSelectElement>('scaling').addEventListener('change', () => void this.refresh());
    this.el('clear').addEventListener('click', () => this.pad.clear());
    this.el<HTMLInputElement>('file').addEventListener('change', (e) => {
      const file = (e.target as HTMLInputElement).files?.[0];
      if (file) void this.useFile(file);
    });
    this.el('verify').addEventListener('click', () => void this.verify());
  }

  private say(key: UiKey, vars: Record<string, string | number> = {}): void {
    this.el('status').textContent = t(this.uiLang, key, vars);
  }

  private setState(state: State): void {
    this.dataset.state = state;
  }

  private fail(err: unknown): void {
    const e = asWidgetError(err);
    const box = this.el('error');
    box.textContent = t(this.uiLang, e.key, e.vars);
    box.hidden = false;
    box.dataset.key = e.key;
    this.el('progress').hidden = true;
    this.setState('error');
    console.error(err);
  }

  private clearError(): void {
    this.el('error').hidden = true;
    delete this.el('error').dataset.key;
  }

  private start(): Promise<void> {
    this.started ??= (async () => {
      try {
        await this.loadSamples();
        await this.reload();
      } catch (err) {
        this.fail(err);
      }
    })();
    return this.started;
  }

  private async loadSamples(): Promise<void> {
    const response = await fetch(`/models/${this.card.slug}/${this.card.samples.file}`);
    if (!response.ok) throw new WidgetError('error.modelMissing', { status: response.status });
    const set = parseSamples(await response.json());
    this.samples = set.samples;
    const labels = this.card.labels[this.uiLang];
    const box = this.el('samples');
    box.replaceChildren(
      ...set.samples.map((s, i) => {
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'sample';
        button.dataset.sample = s.id;
        button.setAttribute('aria-pressed', String(i === 0));
        button.setAttribute('aria-label', t(this.uiLang, 'widget.sample', { id: s.test_index, label: labels[s.label] ?? '' }));
        button.title = labels[s.label] ?? '';
        const canvas = document.createElement('canvas');
        drawHeatmap(canvas, greyFromBytes(s.pixels, set.width, set.height).data, 0, set.height, set.width, { min: 0, max: 1 }, 'grey');
        button.append(canvas);
        button.addEventListener('click', () => this.useSample(s));
        return button;
      }),
    );
    const first = set.samples[0];
    if (first) this.setInput(greyFromBytes(first.pixels, set.width, set.height));
  }

  private markSample(id: string | null): void {
    for (const b of this.el('samples').querySelectorAll<HTMLButtonElement>('button')) {
      b.setAttribute('aria-pressed', String(b.dataset.sample === id));
    }
  }

  private useSample(s: Sample): void {
    this.markSample(s.id);
    this.setInput(greyFromBytes(s.pixels, this.card.preprocess.width, this.card.preprocess.height));
    void this.refresh();
  }

  private useDrawing(): void {
    const image = this.pad.pixels();
    this.markSample(null);
    this.setInput(this.frame(greyFromRgba(image.data, image.width, image.height)));
    void this.refresh();
  }

  private async useFile(file: File): Promise<void> {
    this.clearError();
    try {
      const image = await readImageFile(file);
      this.markSample(null);
      this.setInput(this.frame(greyFromRgba(image.data, image.width, image.height)));
      await this.refresh();
    } catch (err) {
      this.fail(err);
    }
  }

  private frame(img: Grey): Grey {
    const { width, background } = this.card.preprocess;
    return frameLikeDataset(img, width, background);
  }

  private setInput(img: Grey): void {
    this.input = img;
    drawHeatmap(this.el('seen'), img.data, 0, img.height, img.width, { min: 0, max: 1 }, 'grey');
  }

  /** (Re)opens the model on the chosen provider, then runs the current input. */
  private async reload(): Promise<void> {
    if (!this.started) return this.start();
    this.clearError();
    this.setState('loading');
    const progress = this.el<HTMLProgressElement>('progress');
    progress.hidden = false;
    progress.removeAttribute('value');
    this.say('widget.loadingRuntime');
    try {
      const choice = this.el<HTMLSelectElement>('provider').value as ProviderChoice;
      this.handle = null;
      const handle = await openModel({
        url: `/models/${this.card.slug}/model.onnx`,
        sha256: this.card.sha256,
        choice,
        profile: new URLSearchParams(location.search).has('profile'),
        onProgress: (f) => {
          progress.value = f;
          this.say('widget.loadingModel');
        },
      });
      this.handle = handle;
      this.dataset.provider = handle.provider;
      const notice = this.el('notice');
      notice.hidden = !handle.fellBack;
      notice.textContent = handle.fellBack ? t(this.uiLang, 'widget.fellBack') : '';
      this.say('widget.warming');
      progress.removeAttribute('value');
      await this.refresh(true);
      if (handle.profile) this.dataset.profile = JSON.stringify(await endProfile(handle));
    } catch (err) {
      this.fail(err);
    } finally {
      progress.hidden = true;
    }
  }

  private tensorOf(img: Grey): Tensor {
    const { width, height, channels } = this.card.preprocess;
    return { dims: [1, channels, height, width], data: normalise(img, this.card.preprocess) };
  }

  /** Runs the model on the current input and redraws. Inputs that arrive mid-run coalesce into one rerun. */
  private async refresh(force = false): Promise<void> {
    if (!this.handle || !this.input) return;
    if (this.busy && !force) {
      this.rerun = true;
      return;
    }
    this.busy = true;
    this.setState('running');
    this.say('widget.running');
    try {
      do {
        this.rerun = false;
        await this.runOnce(this.handle, this.input);
      } while (this.rerun);
      this.setState('ready');
    } catch (err) {
      this.fail(err);
    } finally {
      this.busy = false;
    }
  }

  private async runOnce(handle: ModelHandle, img: Grey): Promise<void> {
    this.clearError();
    const probs = outputsOfKind(this.card, 'probabilities')[0]!.name;
    const layer = this.el<HTMLSelectElement>('layer').value;
    const weights = outputsOfKind(this.card, 'weights')[0]?.name;
    // Fetch only what is drawn: the probabilities, the chosen layer, and the filters once.
    const fetches = [probs, layer, ...(weights && !this.filtersDrawn ? [weights] : [])];
    const result = await run(handle, this.tensorOf(img), fetches);
    renderProbBars(this.el('top5'), result.outputs[probs]!.data, this.card.labels[this.uiLang]);
    this.drawMaps(layer, result.outputs[layer]!);
    const filters = weights ? result.outputs[weights] : undefined;
    if (filters && this.filters) {
      this.filters.render(filters, {
        colormap: 'diverging',
        scaling: 'symmetric',
        label: (i) => t(this.uiLang, 'widget.channel', { n: i }),
      });
      this.filtersDrawn = true;
    }
    const provider = t(this.uiLang, handle.provider === 'webgpu' ? 'widget.provider.webgpu' : 'widget.provider.wasm');
    this.dataset.ms = result.ms.toFixed(2);
    this.say('widget.ready', { provider, ms: result.ms.toFixed(1) });
  }

  private drawMaps(layer: string, tensor: Tensor): void {
    const spec = this.card.outputs.find((o) => o.name === layer);
    const name = spec?.label[this.uiLang] ?? layer;
    this.maps.render(tensor, {
      colormap: 'viridis',
      scaling: this.el<HTMLSelectElement>('scaling').value as Scaling,
      label: (i) => t(this.uiLang, 'widget.channel', { n: i }),
      describe: (i, r) => t(this.uiLang, 'widget.channelRange', { n: i, layer: name, min: formatValue(r.min), max: formatValue(r.max) }),
    });
  }

  /** Runs every golden sample with all outputs fetched and compares them with PyTorch's values. */
  private async verify(): Promise<void> {
    await this.start();
    const handle = this.handle;
    if (!handle) return;
    const summary = this.el('verify-summary');
    const table = this.el<HTMLTableElement>('verify-table');
    try {
      const response = await fetch(`/models/${this.card.slug}/${this.card.samples.golden}`);
      if (!response.ok) throw new WidgetError('error.modelMissing', { status: response.status });
      const golden = (await response.json()) as GoldenFile;
      const names = this.card.outputs.map((o) => o.name);
      const results: Comparison[] = [];
      for (const c of golden.cases) {
        const sample = this.samples.find((s) => s.id === c.sample);
        if (!sample) throw new Error(`golden sample ${c.sample} is not in ${this.card.samples.file}`);
        const img = greyFromBytes(sample.pixels, this.card.preprocess.width, this.card.preprocess.height);
        const out = await run(handle, this.tensorOf(img), names);
        for (const name of names) results.push(compareOutput(c.sample, name, out.outputs[name]!, c.outputs[name]!, golden.tolerance));
      }
      const rows = names.map((name) => {
        const mine = results.filter((r) => r.output === name);
        return { name, maxAbs: Math.max(...mine.map((r) => r.maxAbs)), ok: mine.every((r) => r.ok) };
      });
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
      const provider = t(this.uiLang, handle.provider === 'webgpu' ? 'widget.provider.webgpu' : 'widget.provider.wasm');
      summary.textContent = t(this.uiLang, 'widget.verifySummary', {
        provider, passed, total: results.length, atol: golden.tolerance.atol, rtol: golden.tolerance.rtol,
      });
      this.dataset.verify = JSON.stringify({ provider: handle.provider, passed, total: results.length, rows });
    } catch (err) {
      this.fail(err);
    }
  }
}

export function defineImageClassifier(): void {
  if (!customElements.get('na-image-classifier')) customElements.define('na-image-classifier', ImageClassifier);
}
