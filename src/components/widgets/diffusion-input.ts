/**
 * The diffusion explorer's input: a shipped test image and a timestep t, turned into the denoiser's feeds
 * for one run — x_t from the forward process's closed form with fixed seeded noise, t, and the image's
 * class. It also downloads the noise schedule, which the sampler needs as well.
 */
import { t } from '../../i18n';
import { fetchSamples, thumbButton } from './parts/grey-input';
import { forwardSample, parseSchedule, type Schedule } from '../../lib/generate/diffusion';
import { greyFromBytes, type Grey } from '../../lib/input/preprocess';
import { gaussian } from '../../lib/input/noise';
import type { Sample, SampleSet, ToModel } from '../../lib/input/samples';
import type { Feeds, InputContext, InputSource } from './parts/model-widget';
import { denoiserFeeds, diffusionLayout, type DiffusionLayout } from './diffusion-card';

/** The forward process's noise is the same for every image and t, so dragging t shows one path. */
const FORWARD_SEED = 0;

export class DiffusionInput implements InputSource {
  schedule!: Schedule;
  /** The chosen image in the model's range, its class, the timestep, and x_t. */
  x0: Float32Array | null = null;
  label = 0;
  t = 0;
  xt: Float32Array | null = null;
  private readonly d: DiffusionLayout;
  private noise!: Float32Array;
  private toModel!: ToModel;
  private set!: SampleSet;

  constructor(private readonly ctx: InputContext) {
    this.d = diffusionLayout(ctx.card);
    const slider = ctx.find<HTMLInputElement>('t');
    this.t = Number(slider.value);
    slider.addEventListener('input', () => {
      this.t = Number(slider.value);
      ctx.find('t-value').textContent = slider.value;
      if (this.x0) ctx.onInput(this.feeds());
    });
  }

  async load(signal: AbortSignal): Promise<Feeds | null> {
    const [schedule, set] = await Promise.all([
      this.ctx.fetchJson<unknown>(this.d.sampler.schedule, signal),
      fetchSamples(this.ctx, signal),
    ]);
    this.schedule = parseSchedule(schedule);
    // samples.json says how its bytes become the model's input: padded with background, scaled to [−1, 1].
    if (set.toModel?.size !== this.d.size || set.width + 2 * set.toModel.pad !== this.d.size) {
      throw new Error(`samples.json does not say how its images become ${this.d.size}×${this.d.size}`);
    }
    this.toModel = set.toModel;
    this.set = set;
    this.noise = gaussian(FORWARD_SEED)(this.d.size * this.d.size);
    const labels = this.ctx.card.labels?.[this.ctx.lang] ?? [];
    const buttons = set.samples.map((s) => {
      const label = labels[s.label] ?? '';
      const button = thumbButton(this.grey(s), t(this.ctx.lang, 'widget.sample', { id: s.test_index, label }), label);
      button.dataset.sample = s.id;
      button.setAttribute('aria-pressed', 'false');
      button.addEventListener('click', () => {
        this.choose(s, buttons, button);
        this.ctx.onInput(this.feeds());
      });
      return button;
    });
    this.ctx.find('samples').replaceChildren(...buttons);
    const first = set.samples[0];
    if (!first) return null;
    this.choose(first, buttons, buttons[0]!);
    return this.feeds();
  }

  private grey(s: Sample): Grey {
    return greyFromBytes(s.pixels, this.set.width, this.set.height);
  }

  private choose(s: Sample, buttons: HTMLButtonElement[], chosen: HTMLButtonElement): void {
    for (const b of buttons) b.setAttribute('aria-pressed', String(b === chosen));
    const { pad, pad_value: background, size } = this.toModel;
    const inner = this.set.width;
    const x0 = new Float32Array(size * size).fill(background / 127.5 - 1);
    for (let y = 0; y < inner; y++) {
      for (let x = 0; x < inner; x++) x0[(y + pad) * size + x + pad] = s.pixels[y * inner + x]! / 127.5 - 1;
    }
    this.x0 = x0;
    this.label = s.label;
  }

  /** One denoiser run on x_t of the chosen image at the chosen t, with its class. */
  feeds(): Feeds {
    this.xt = forwardSample(this.x0!, this.noise, this.schedule.alphasCumprod[this.t]!);
    return denoiserFeeds(this.d, this.xt, [this.t], [this.label]);
  }
}
