/**
 * <na-diffusion-explorer>: a class-conditional diffusion model. One job at a time goes through the widget's
 * queue: the forward view (one denoiser run on x_t of a test image), a generation (the sampler's loop, one
 * guided run per step, with progress and Stop), the feature maps of a chosen step (one run of its stored
 * x_t), or sixteen samples as one batch. Scrubbing the steps of a finished generation runs nothing.
 */
import { t } from '../../i18n';
import { predictX0, sample, snr, type DiffusionStep, type Denoise } from '../../lib/generate/diffusion';
import { gaussian, perImage } from '../../lib/input/noise';
import { ChannelGrid } from '../../lib/viz/channel-grid';
import { drawHeatmap, rangeOf, symmetric } from '../../lib/viz/heatmap';
import { DiffusionInput } from './diffusion-input';
import { denoiserFeeds, diffusionLayout, type DiffusionLayout } from './diffusion-card';
import { ModelWidget, type Feeds, type InputContext } from './parts/model-widget';
import { context2d } from '../../lib/viz/canvas';

type Action = 'forward' | 'generate' | 'grid' | 'features';
/** Thumbnails in the strip of frames: this many evenly spaced steps, the last one always among them. */
const STRIP = 10;
const GRID = 16;
const IMAGE_RANGE = { min: -1, max: 1 };

interface Generation {
  steps: DiffusionStep[];
  cls: number;
  ms: number;
  runs: number;
}

class DiffusionExplorer extends ModelWidget<DiffusionInput> {
  private d!: DiffusionLayout;
  private action: Action = 'forward';
  private generation: Generation | null = null;
  private maps!: ChannelGrid;

  protected createInput(ctx: InputContext): DiffusionInput {
    this.d = diffusionLayout(ctx.card);
    return new DiffusionInput(ctx);
  }

  protected setup(): void {
    this.maps = new ChannelGrid(this.el('maps'));
    const act = (action: Action) => {
      this.action = action;
      this.refresh();
    };
    this.el<HTMLFormElement>('settings').addEventListener('submit', (e) => {
      e.preventDefault();
      act('generate');
    });
    this.el('generate16').addEventListener('click', () => act('grid'));
    const frame = this.el<HTMLInputElement>('frame');
    frame.addEventListener('input', () => this.drawStep());
    // The maps need a run: only once the reader lets go of the slider (or a key moved it).
    frame.addEventListener('change', () => act('features'));
    this.el('layer').addEventListener('change', () => act('features'));
  }

  protected async draw(feeds: Feeds): Promise<number> {
    const action = this.action;
    this.action = 'forward';
    if (action === 'generate') return this.generate();
    if (action === 'grid') return this.grid();
    if (action === 'features') return this.features();
    return this.forward(feeds);
  }

  private image(part: string, data: ArrayLike<number>, offset = 0): void {
    drawHeatmap(this.el(part), data, offset, this.d.size, this.d.size, IMAGE_RANGE, 'grey');
  }

  /** x₀, x_t and the model's one-step guess of x₀, with ᾱ_t, the signal-to-noise ratio and the ᾱ curve. */
  private async forward(feeds: Feeds): Promise<number> {
    const input = this.inputs;
    const abar = input.schedule.alphasCumprod[input.t]!;
    const result = await this.runModel(0, feeds, [this.d.eps]);
    const guess = predictX0(input.xt!, result.outputs[this.d.eps]!.data, abar, this.d.sampler.clip_x0);
    this.image('x0', input.x0!);
    this.image('xt', input.xt!);
    this.image('guess', guess);
    const ratio = snr(abar);
    this.el('forward-stats').textContent = t(this.uiLang, 'diffusion.forwardStats', {
      t: input.t, abar: abar.toPrecision(4), snr: ratio.toPrecision(3), db: (10 * Math.log10(ratio)).toFixed(1),
    });
    this.drawCurve(input.t);
    return result.ms;
  }

  /** ᾱ_t from 0 to T − 1 as a line, the chosen t as a dot. */
  private drawCurve(at: number): void {
    const abar = this.inputs.schedule.alphasCumprod;
    const svg = this.el<SVGSVGElement>('abar-plot');
    const [w, h, pad] = [200, 100, 6];
    const x = (t: number) => pad + (t / (abar.length - 1)) * (w - 2 * pad);
    const y = (v: number) => h - pad - v * (h - 2 * pad);
    let path = '';
    for (let t = 0; t < abar.length; t += 8) path += `${t ? 'L' : 'M'}${x(t).toFixed(1)} ${y(abar[t]!).toFixed(1)}`;
    svg.innerHTML = `<path class="curve" d="${path}" fill="none"/><circle class="marker" cx="${x(at).toFixed(1)}" cy="${y(abar[at]!).toFixed(1)}" r="3.5"/>`;
  }

  private settings() {
    const number = (part: string) => Number(this.el<HTMLInputElement>(part).value);
    return {
      cls: number('class'),
      guidance: Math.max(0, number('guidance')),
      steps: number('steps'),
      method: this.el<HTMLSelectElement>('method').value === 'ddpm' ? ('ddpm' as const) : ('ddim' as const),
      seed: Math.max(0, Math.floor(number('seed'))) >>> 0,
    };
  }

  /** The denoiser as the sampler calls it: a batch of images, timesteps and classes in, ε out. */
  private denoiser(stats: { ms: number; runs: number }): Denoise {
    const eps = this.d.eps;
    return async (images, times, classes) => {
      const result = await this.runModel(0, denoiserFeeds(this.d, images, times, classes), [eps]);
      stats.ms += result.ms;
      stats.runs += 1;
      return result.outputs[eps]!.data;
    };
  }

  /** Runs the sampler for B images from per-image seeds; reports progress and returns what it made. */
  private async run(classes: number[], seeds: number[], onStep?: (s: DiffusionStep) => void) {
    const { guidance, steps, method } = this.settings();
    const pixels = this.d.size * this.d.size;
    const streams = seeds.map((seed) => gaussian(seed));
    const noise = perImage(streams)(classes.length * pixels);
    const stats = { ms: 0, runs: 0 };
    const progress = this.el<HTMLProgressElement>('progress');
    progress.hidden = false;
    const start = performance.now();
    const result = await this.stoppable((signal) =>
      sample({
        denoise: this.denoiser(stats), schedule: this.inputs.schedule, classes, noise, steps, method, guidance, signal,
        stepNoise: perImage(streams), clipX0: this.d.sampler.clip_x0,
        onStep: (s) => {
          progress.value = (s.index + 1) / s.total;
          this.say('diffusion.progress', { step: s.index + 1, total: s.total, t: s.t });
          onStep?.(s);
        },
      }),
    );
    // The loop's wall time beside the time inside session.run: what the sampler adds (npm run bench reads both).
    this.dataset.sampleMs = (performance.now() - start).toFixed(1);
    this.dataset.runMs = stats.ms.toFixed(1);
    this.el('gen-stats').textContent = t(this.uiLang, 'diffusion.genStats', {
      steps: steps, runs: stats.runs, ms: stats.ms.toFixed(0), provider: this.providerLabel(),
    });
    return { ...result, stats };
  }

  private providerLabel(): string {
    return t(this.uiLang, this.dataset.provider === 'webgpu' ? 'widget.provider.webgpu' : 'widget.provider.wasm');
  }

  private async generate(): Promise<number> {
    const { cls, seed } = this.settings();
    const steps: DiffusionStep[] = [];
    this.generation = { steps, cls, ms: 0, runs: 0 };
    const frame = this.el<HTMLInputElement>('frame');
    const { stats } = await this.run([cls], [seed], (s) => {
      steps.push(s);
      frame.max = String(s.total - 1);
      frame.value = String(s.index);
      this.drawStep();
    });
    Object.assign(this.generation, stats);
    frame.disabled = steps.length === 0;
    this.drawStrip();
    this.dataset.generated = String(steps.length);
    if (steps.length) stats.ms += await this.features();
    return stats.ms;
  }

  /** The chosen step large: the x_t it started from, its guess x̂₀ and the guided noise. No run. */
  private drawStep(): void {
    const g = this.generation;
    const s = g?.steps[Number(this.el<HTMLInputElement>('frame').value)];
    if (!s) return;
    this.image('step-x', s.x);
    this.image('step-x0', s.x0);
    drawHeatmap(this.el('step-eps'), s.eps, 0, this.d.size, this.d.size, symmetric(rangeOf(s.eps)), 'diverging');
    this.el('frame-value').textContent = t(this.uiLang, 'diffusion.frameValue', { step: s.index + 1, total: s.total, t: s.t });
  }

  /** Up to STRIP evenly spaced steps, x_t above x̂₀, the last step always included. */
  private drawStrip(): void {
    const steps = this.generation?.steps ?? [];
    const canvas = this.el<HTMLCanvasElement>('frames');
    const n = Math.min(STRIP, steps.length);
    const size = this.d.size;
    const gap = 4;
    canvas.width = Math.max(1, n * (size + gap) - gap);
    canvas.height = 2 * size + gap;
    const ctx = context2d(canvas);
    if (!ctx || !n) return;
    const scratch = document.createElement('canvas');
    const chosen = Array.from({ length: n }, (_, k) => steps[Math.round((k * (steps.length - 1)) / Math.max(1, n - 1))]!);
    chosen.forEach((s, k) => {
      for (const [row, data] of [s.x, s.x0].entries()) {
        drawHeatmap(scratch, data, 0, size, size, IMAGE_RANGE, 'grey');
        ctx.drawImage(scratch, k * (size + gap), row * (size + gap));
      }
    });
    canvas.dataset.steps = JSON.stringify(chosen.map((s) => s.index));
  }

  /** The UNet's maps at the chosen step: one run of that step's x_t with the class (the conditional pass). */
  private async features(): Promise<number> {
    const g = this.generation;
    const s = g?.steps[Number(this.el<HTMLInputElement>('frame').value)];
    if (!g || !s) return 0;
    const layer = this.el<HTMLSelectElement>('layer').value;
    const result = await this.runModel(0, denoiserFeeds(this.d, s.x.subarray(0, this.d.size ** 2), [s.t], [g.cls]), [layer]);
    this.maps.render(result.outputs[layer]!, { colormap: 'viridis', scaling: 'channel', label: (i) => t(this.uiLang, 'widget.channel', { n: i }) });
    return result.ms;
  }

  /** Sixteen images of the chosen class, seeds seed … seed + 15, as one batch. */
  private async grid(): Promise<number> {
    const { cls, seed } = this.settings();
    const seeds = Array.from({ length: GRID }, (_, k) => (seed + k) >>> 0);
    const { images, stats } = await this.run(seeds.map(() => cls), seeds);
    const root = this.el('grid16');
    if (!images) return stats.ms;
    const pixels = this.d.size * this.d.size;
    root.replaceChildren(
      ...seeds.map((s, k) => {
        const canvas = document.createElement('canvas');
        canvas.setAttribute('role', 'img');
        canvas.setAttribute('aria-label', t(this.uiLang, 'diffusion.sampleN', { n: k + 1, seed: s }));
        canvas.dataset.seed = String(s);
        drawHeatmap(canvas, images, k * pixels, this.d.size, this.d.size, IMAGE_RANGE, 'grey');
        return canvas;
      }),
    );
    return stats.ms;
  }
}

export function defineDiffusionExplorer(): void {
  if (!customElements.get('na-diffusion-explorer')) customElements.define('na-diffusion-explorer', DiffusionExplorer);
}
