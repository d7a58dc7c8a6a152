/** The input side of an image classifier: shipped test images, the drawing pad and uploads, each turned
 * into the grey image the model card describes and shown as what the model sees. */
import { t } from '../../../i18n';
import { DrawPad } from '../../../lib/input/draw-pad';
import { frameLikeDataset, greyFromBytes, greyFromRgba, type Grey } from '../../../lib/input/preprocess';
import type { Sample } from '../../../lib/input/samples';
import { GreyInput, fetchSamples, imageInput } from './grey-input';
import type { Feeds, InputContext } from './model-widget';

export class ImageInput extends GreyInput {
  private pad: DrawPad;

  constructor(ctx: InputContext) {
    super(ctx, 'seen', 'samples');
    this.pad = new DrawPad(this.find('pad'), () => this.useDrawing());
    this.find('clear').addEventListener('click', () => this.pad.clear());
  }

  /** Downloads the shipped samples, shows them as buttons and selects the first (without running). */
  async load(signal: AbortSignal): Promise<Feeds | null> {
    const set = await fetchSamples(this.ctx, signal);
    const labels = this.card.labels?.[this.lang] ?? [];
    this.find('samples').replaceChildren(
      ...set.samples.map((s) => {
        const label = labels[s.label] ?? '';
        const button = this.sampleButton(this.sampleImage(s), s.id, t(this.lang, 'widget.sample', { id: s.test_index, label }), label);
        button.addEventListener('click', () => this.useSample(s));
        return button;
      }),
    );
    const first = set.samples[0];
    if (!first) return null;
    this.press(first.id);
    return this.show(this.sampleImage(first));
  }

  protected fit(img: Grey): Grey {
    const { width, background } = imageInput(this.card).preprocess;
    return frameLikeDataset(img, width, background);
  }

  private sampleImage(s: Sample): Grey {
    const { width, height } = imageInput(this.card).preprocess;
    return greyFromBytes(s.pixels, width, height);
  }

  private useSample(s: Sample): void {
    this.press(s.id);
    this.ctx.onInput(this.show(this.sampleImage(s)));
  }

  private useDrawing(): void {
    const image = this.pad.pixels();
    this.press(null);
    this.ctx.onInput(this.show(this.fit(greyFromRgba(image.data, image.width, image.height))));
  }
}
