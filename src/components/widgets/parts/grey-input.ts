/** What every image widget's input side shares: downloading the model's shipped samples, showing them as
 * thumbnail buttons of which one at a time is pressed, reading an upload, and drawing the grey image the
 * model receives. ImageInput (classifiers) and SceneInput (segmentation) add their own ways to make one. */
import type { Lang } from '../../../i18n';
import type { ModelCard } from '../../../lib/runtime/card';
import { readImageFile } from '../../../lib/input/image-file';
import { greyFromRgba, type Grey } from '../../../lib/input/preprocess';
import { parseSamples, type SampleSet } from '../../../lib/input/samples';
import { WidgetError } from '../../../lib/runtime/errors';
import { drawHeatmap } from '../../../lib/viz/heatmap';

/** Where a widget's input comes from, as ModelWidget sees it. */
export interface InputSource {
  /** Downloads what the source offers and returns the first input (without running). */
  load(): Promise<Grey | null>;
  /** The input of the golden case `id` (a shipped sample). */
  goldenInput(id: string): Grey;
}

/** What ModelWidget hands an input: its markup, its model card and where new inputs and errors go. */
export interface InputContext {
  find: <T extends HTMLElement>(name: string) => T;
  card: ModelCard;
  lang: Lang;
  onInput: (img: Grey) => void;
  onError: (err: unknown) => void;
}

export async function fetchSamples(card: ModelCard): Promise<SampleSet> {
  const response = await fetch(`/models/${card.slug}/${card.samples.file}`);
  if (!response.ok) throw new WidgetError('error.modelMissing', { status: response.status });
  return parseSamples(await response.json());
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
  protected readonly find: InputContext['find'];
  protected readonly card: ModelCard;
  protected readonly lang: Lang;
  protected readonly onInput: InputContext['onInput'];
  protected readonly onError: InputContext['onError'];

  /** `preview`: the canvas that shows the model's input; `group`: the element holding the sample buttons. */
  constructor(ctx: InputContext, private readonly preview: string, private readonly group: string) {
    ({ find: this.find, card: this.card, lang: this.lang, onInput: this.onInput, onError: this.onError } = ctx);
    this.find<HTMLInputElement>('file').addEventListener('change', (e) => {
      const file = (e.target as HTMLInputElement).files?.[0];
      if (file) void this.useFile(file);
    });
  }

  abstract load(): Promise<Grey | null>;
  abstract goldenInput(id: string): Grey;
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

  protected show(img: Grey): Grey {
    this.current = img;
    drawHeatmap(this.find(this.preview), img.data, 0, img.height, img.width, { min: 0, max: 1 }, 'grey');
    return img;
  }

  private async useFile(file: File): Promise<void> {
    try {
      const image = await readImageFile(file);
      this.forget();
      this.press(null);
      this.onInput(this.show(this.fit(greyFromRgba(image.data, image.width, image.height))));
    } catch (err) {
      this.onError(err);
    }
  }
}
