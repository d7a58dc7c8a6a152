/** The input side of an image classifier: shipped test images, the drawing pad and uploads, each turned
 * into the grey image the model card describes and shown as what the model sees. */
import { t } from '../../../i18n';
import { DrawPad } from '../../../lib/input/draw-pad';
import { frameLikeDataset, greyFromBytes, greyFromRgba, type Grey } from '../../../lib/input/preprocess';
import type { Sample } from '../../../lib/input/samples';
import { GreyInput, fetchSamples, type InputContext } from './grey-input';

export class ImageInput extends GreyInput {
  private samples: Sample[] = [];
  private pad: DrawPad;

  constructor(ctx: InputContext) {
    super(ctx, 'seen', 'samples');
    this.pad = new DrawPad(this.find('pad'), () => this.useDrawing());
    this.find('clear').addEventListener('click', () => this.pad.clear());
  }

  /** Downloads the shipped samples, shows them as buttons and selects the first (without running). */
  async load(): Promise<Grey | null> {
    const set = await fetchSamples(this.card);
    this.samples = set.samples;
    const labels = this.card.labels[this.lang];
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

  goldenInput(id: string): Grey {
    const sample = this.samples.find((s) => s.id === id);
    if (!sample) throw new Error(`golden sample ${id} is not among the shipped samples`);
    return this.sampleImage(sample);
  }

  protected fit(img: Grey): Grey {
    return frameLikeDataset(img, this.card.preprocess.width, this.card.preprocess.background);
  }

  private sampleImage(s: Sample): Grey {
    return greyFromBytes(s.pixels, this.card.preprocess.width, this.card.preprocess.height);
  }

  private useSample(s: Sample): void {
    this.press(s.id);
    this.onInput(this.show(this.sampleImage(s)));
  }

  private useDrawing(): void {
    const image = this.pad.pixels();
    this.press(null);
    this.onInput(this.show(this.fit(greyFromRgba(image.data, image.width, image.height))));
  }
}
