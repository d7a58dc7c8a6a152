/**
 * <na-image-classifier>: one image classifier. Views: top-5 probabilities, the first layer's filters,
 * the feature maps of the chosen layer (click a channel to enlarge it), and the receptive field of a unit
 * picked on the enlarged map. Everything it knows about the
 * model comes from the card embedded by ImageClassifier.astro.
 */
import { t } from '../../i18n';
import { graphOf, outputsWithRole } from '../../lib/card';
import { ChannelGrid, type Scaling } from '../../lib/viz/channel-grid';
import { formatValue } from '../../lib/viz/heatmap';
import { renderProbBars } from '../../lib/viz/prob-bars';
import { ImageInput } from './parts/image-input';
import { ReceptiveFieldView } from './parts/receptive-field';
import { ModelWidget, type Feeds, type InputContext } from './parts/model-widget';

class ImageClassifier extends ModelWidget<ImageInput> {
  private maps!: ChannelGrid;
  private filters: ChannelGrid | null = null;
  private filtersDrawn = false;
  private field!: ReceptiveFieldView;

  protected createInput(ctx: InputContext): ImageInput {
    return new ImageInput(ctx);
  }

  protected setup(): void {
    this.maps = new ChannelGrid(this.el('maps'), { canvas: this.el('big'), caption: this.el('big-caption') });
    if (this.querySelector('[data-part="filters"]')) this.filters = new ChannelGrid(this.el('filters'));
    this.field = new ReceptiveFieldView((name) => this.el(name), this.uiLang, this.el('seen'));
    this.el<HTMLSelectElement>('layer').addEventListener('change', () => this.refresh());
    this.el<HTMLSelectElement>('scaling').addEventListener('change', () => this.refresh());
  }

  protected async draw(feeds: Feeds): Promise<number> {
    const card = this.cards[0]!;
    const probs = outputsWithRole(card, 'probabilities')[0]!.name;
    const layer = this.el<HTMLSelectElement>('layer').value;
    const weights = outputsWithRole(card, 'weights')[0]?.name;
    // Fetch only what is drawn: the probabilities, the chosen layer, and the filters once.
    const fetches = [probs, layer, ...(weights && !this.filtersDrawn ? [weights] : [])];
    const result = await this.runModel(0, feeds, fetches);
    renderProbBars(this.el('top5'), result.outputs[probs]!.data, card.labels?.[this.uiLang] ?? []);
    const spec = graphOf(card).outputs.find((o) => o.name === layer)!;
    const name = spec.label[this.uiLang];
    const maps = result.outputs[layer]!;
    this.maps.render(maps, {
      colormap: 'viridis',
      scaling: this.el<HTMLSelectElement>('scaling').value as Scaling,
      label: (i) => t(this.uiLang, 'widget.channel', { n: i }),
      describe: (i, r) => t(this.uiLang, 'widget.channelRange', { n: i, layer: name, min: formatValue(r.min), max: formatValue(r.max) }),
    });
    this.field.update(spec, maps.dims[2]!, maps.dims[3]!);
    const filters = weights ? result.outputs[weights] : undefined;
    if (filters && this.filters) {
      this.filters.render(filters, { colormap: 'diverging', scaling: 'symmetric', label: (i) => t(this.uiLang, 'widget.channel', { n: i }) });
      this.filtersDrawn = true;
    }
    return result.ms;
  }
}

export function defineImageClassifier(): void {
  if (!customElements.get('na-image-classifier')) customElements.define('na-image-classifier', ImageClassifier);
}
