/** What every image widget's input side shares: downloading the model's shipped samples, showing them as
 * thumbnail buttons of which one at a time is pressed, reading an upload, drawing the grey image the
 * model receives, and turning it into the image feed the card's preprocessing describes. ImageInput
 * (classifiers) and SceneInput (segmentation) add their own ways to make one. */
import type { Lang } from '../../../i18n';
import { graphOf, type ModelCard } from '../../../lib/card';
import { readImageFile } from '../../../lib/input/image-file';
import { greyFromRgba, normalise, type Grey } from '../../../lib/input/preprocess';
import { parseSamples, type SampleSet } from '../../../lib/input/samples';
import { drawHeatmap } from '../../../lib/viz/heatmap';
import type { Feeds, InputContext, InputSource } from './model-widget';

/** The image input of a card's first graph (the widgets of this kind feed nothing else). */
export function imageInput(card: ModelCard) {
  const input = graphOf(card).inputs.find((i) => i.kind === 'image');
  if (!input) throw new Error(`${card.slug} has no image input`);
  return input;
}

/** A grey picture as the image feed: (1, C, H, W) float32, scaled and normalised as the card says. */
export function imageFeeds(card: ModelCard, img: Grey): Feeds {
  const { name, preprocess } = imageInput(card);
  const { channels, height, width } = preprocess;
  return { [name]: { dtype: 'float32', dims: [1, channels, height, width], data: normalise(img, preprocess) } };
}

export async function fetchSamples(ctx: Pick<InputContext, 'card' | 'fetchJson'>, signal: AbortSignal): Promise<SampleSet> {
  return parseSamples(await ctx.fetchJson(ctx.card.samples.file, signal));
}

/** A button showing `img` in grey; `label` is its accessible name, `title` its tooltip. */
export function thumbButton(img: Grey, label: string, title = label): HTMLButtonElement {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'sample';
  button.setAttribute('aria-label', label);
  button.title = title;
  const canvas = document.createElement('canvas');
  drawHeatmap(canvas, img.data, 0, img.height, img.width, { min: 0, max: 1 }, 'grey');
  button.append(canvas);
  return button;
}

export abstract class GreyInput implements InputSource {
  /** The grey image the model receives now. */
  current: Grey | null = null;
  /** Counts inputs shown and uploads begun: an upload still decoding when another input came is stale. */
  private shown = 0;
  protected readonly ctx: InputContext;
  protected readonly find: InputContext['find'];
  protected readonly card: ModelCard;
  protected readonly lang: Lang;

  /** `preview`: the canvas that shows the model's input; `group`: the element holding the sample buttons. */
  constructor(ctx: InputContext, private readonly preview: string, private readonly group: string) {
    this.ctx = ctx;
    ({ find: this.find, card: this.card, lang: this.lang } = ctx);
    this.find<HTMLInputElement>('file').addEventListener('change', (e) => {
      const file = (e.target as HTMLInputElement).files?.[0];
      if (file) void this.useFile(file);
    });
  }

  abstract load(signal: AbortSignal): Promise<Feeds | null>;
  /** Fits a free-form picture (an upload, a drawing; grey, any size) to the model's input. */
  protected abstract fit(img: Grey): Grey;
  /** Forgets what the current input knew before an upload replaced it. */
  protected forget(): void {}

  /** A sample button whose `data-sample` is `id`, not pressed. */
  protected sampleButton(img: Grey, id: string, label: string, title = label): HTMLButtonElement {
    const button = thumbButton(img, label, title);
    button.dataset.sample = id;
    button.setAttribute('aria-pressed', 'false');
    return button;
  }

  /** Presses the sample button `id` and releases the others (none for null). */
  protected press(id: string | null): void {
    for (const b of this.find(this.group).querySelectorAll<HTMLButtonElement>('button')) {
      b.setAttribute('aria-pressed', String(b.dataset.sample === id));
    }
  }

  /** Shows `img` as what the model sees and returns its feeds. */
  protected show(img: Grey): Feeds {
    this.shown += 1;
    this.current = img;
    drawHeatmap(this.find(this.preview), img.data, 0, img.height, img.width, { min: 0, max: 1 }, 'grey');
    return imageFeeds(this.card, img);
  }

  private async useFile(file: File): Promise<void> {
    // Decoding takes a while: an input shown meanwhile (a sample, a drawing, a later upload) makes this
    // upload's image, or its error, stale.
    const ticket = ++this.shown;
    try {
      const image = await readImageFile(file);
      if (ticket !== this.shown) return;
      this.forget();
      this.press(null);
      this.ctx.onInput(this.show(this.fit(greyFromRgba(image.data, image.width, image.height))));
    } catch (err) {
      if (ticket === this.shown) this.ctx.onError(err);
    }
  }
}
