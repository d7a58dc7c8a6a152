/** The input side of an image widget: shipped test images, the drawing pad and uploads, each turned into
 * the grey image the model card describes, plus the preview of what the model sees. */
import { t, type Lang } from '../../../i18n';
import type { ModelCard } from '../../../lib/runtime/card';
import { DrawPad } from '../../../lib/input/draw-pad';
import { readImageFile } from '../../../lib/input/image-file';
import { frameLikeDataset, greyFromBytes, greyFromRgba, type Grey } from '../../../lib/input/preprocess';
import type { Sample } from '../../../lib/input/samples';
import { drawHeatmap } from '../../../lib/viz/heatmap';
import type { InputSource } from './model-widget';
import { fetchSamples, thumbButton } from './shipped';

type Find = <T extends HTMLElement>(name: string) => T;

export class ImageInput implements InputSource {
  private samples: Sample[] = [];
  private pad: DrawPad;

  constructor(
    private readonly find: Find,
    private readonly card: ModelCard,
    private readonly lang: Lang,
    private readonly onInput: (img: Grey) => void,
    private readonly onError: (err: unknown) => void,
  ) {
    this.pad = new DrawPad(find('pad'), () => this.useDrawing());
    find('clear').addEventListener('click', () => this.pad.clear());
    find<HTMLInputElement>('file').addEventListener('change', (e) => {
      const file = (e.target as HTMLInputElement).files?.[0];
      if (file) void this.useFile(file);
    });
  }

  /** Downloads the shipped samples, shows them as buttons and selects the first (without running). */
  async load(): Promise<Grey | null> {
    const set = await fetchSamples(this.card);
    this.samples = set.samples;
    const labels = this.card.labels[this.lang];
    this.find('samples').replaceChildren(
      ...set.samples.map((s, i) => {
        const label = labels[s.label] ?? '';
        const button = thumbButton(greyFromBytes(s.pixels, set.width, set.height), t(this.lang, 'widget.sample', { id: s.test_index, label }), label);
        button.dataset.sample = s.id;
        button.setAttribute('aria-pressed', String(i === 0));
        button.addEventListener('click', () => this.useSample(s));
        return button;
      }),
    );
    const first = set.samples[0];
    return first ? this.show(this.sampleImage(first)) : null;
  }

  goldenInput(id: string): Grey {
    const sample = this.samples.find((s) => s.id === id);
    if (!sample) throw new Error(`golden sample ${id} is not among the shipped samples`);
    return this.sampleImage(sample);
  }

  private sampleImage(s: Sample): Grey {
    return greyFromBytes(s.pixels, this.card.preprocess.width, this.card.preprocess.height);
  }

  private markSample(id: string | null): void {
    for (const b of this.find('samples').querySelectorAll<HTMLButtonElement>('button')) {
      b.setAttribute('aria-pressed', String(b.dataset.sample === id));
    }
  }

  private useSample(s: Sample): void {
    this.markSample(s.id);
    this.onInput(this.show(this.sampleImage(s)));
  }

  private useDrawing(): void {
    const image = this.pad.pixels();
    this.markSample(null);
    this.onInput(this.show(this.frame(greyFromRgba(image.data, image.width, image.height))));
  }

  private async useFile(file: File): Promise<void> {
    try {
      const image = await readImageFile(file);
      this.markSample(null);
      this.onInput(this.show(this.frame(greyFromRgba(image.data, image.width, image.height))));
    } catch (err) {
      this.onError(err);
    }
  }

  private frame(img: Grey): Grey {
    return frameLikeDataset(img, this.card.preprocess.width, this.card.preprocess.background);
  }

  private show(img: Grey): Grey {
    drawHeatmap(this.find('seen'), img.data, 0, img.height, img.width, { min: 0, max: 1 }, 'grey');
    return img;
  }
}
