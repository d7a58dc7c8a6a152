/** What both image inputs do with a model's shipped samples: download them, and show each as a
 * thumbnail button. */
import type { ModelCard } from '../../../lib/runtime/card';
import { WidgetError } from '../../../lib/runtime/errors';
import type { Grey } from '../../../lib/input/preprocess';
import { parseSamples, type SampleSet } from '../../../lib/input/samples';
import { drawHeatmap } from '../../../lib/viz/heatmap';

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
