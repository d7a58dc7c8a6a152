/**
 * <na-residual-explorer>: a residual network and its plain twin on the same input. For the chosen block it
 * shows the shortcut x, the branch F(x) and the block output of both networks, and for every block the
 * ratio |F(x)| / |x|, which the exported graph computes so that no feature maps are fetched for it.
 */
import { t } from '../../i18n';
import { blockCount, graphOf, outputsWithRole } from '../../lib/card';
import { ChannelGrid } from '../../lib/viz/channel-grid';
import { rangeOf, type Range } from '../../lib/viz/heatmap';
import { renderPairedBars } from '../../lib/viz/paired-bars';
import { renderProbBars } from '../../lib/viz/prob-bars';
import { ImageInput } from './parts/image-input';
import { ModelWidget, type Feeds, type InputContext } from './parts/model-widget';

const PARTS = ['x', 'fx', 'out'] as const;

class ResidualExplorer extends ModelWidget<ImageInput> {
  private grids: ChannelGrid[][] = [];

  protected createInput(ctx: InputContext): ImageInput {
    return new ImageInput(ctx);
  }

  protected setup(): void {
    this.grids = [0, 1].map((net) => PARTS.map((part) => new ChannelGrid(this.el(`grid-${net}-${part}`))));
    this.el<HTMLSelectElement>('block').addEventListener('change', () => this.refresh());
    this.el<HTMLSelectElement>('scaling').addEventListener('change', () => this.refresh());
  }

  protected async draw(feeds: Feeds): Promise<number> {
    const block = Number(this.el<HTMLSelectElement>('block').value);
    const shared = this.el<HTMLSelectElement>('scaling').value === 'block';
    const names = PARTS.map((p) => `block${block}_${p}`);
    let ms = 0;
    const ratios: Float32Array[] = [];
    for (const [net, card] of this.cards.entries()) {
      const probs = outputsWithRole(card, 'probabilities')[0]!.name;
      const ratio = outputsWithRole(card, 'block_ratios')[0]!.name;
      const result = await this.runModel(net, feeds, [probs, ratio, ...names]);
      ms += result.ms;
      renderProbBars(this.el(`top5-${net}`), result.outputs[probs]!.data, card.labels?.[this.uiLang] ?? []);
      ratios.push(result.outputs[ratio]!.data);
      const tensors = names.map((n) => result.outputs[n]!);
      // One range for x, F(x) and the output makes their magnitudes comparable at a glance.
      const all = tensors.map((x) => rangeOf(x.data));
      const range: Range | undefined = shared
        ? { min: Math.min(...all.map((r) => r.min)), max: Math.max(...all.map((r) => r.max)) }
        : undefined;
      PARTS.forEach((part, k) => {
        const spec = graphOf(card).outputs.find((o) => o.name === names[k]);
        this.el(`cap-${net}-${part}`).textContent = spec?.label[this.uiLang] ?? names[k]!;
        this.grids[net]![k]!.render(tensors[k]!, {
          colormap: 'viridis',
          scaling: 'channel',
          range,
          label: (i) => t(this.uiLang, 'widget.channel', { n: i }),
        });
      });
    }
    const netNames = [t(this.uiLang, 'widget.residualNet'), t(this.uiLang, 'widget.plainNet')];
    const labels = Array.from({ length: blockCount(this.cards[0]!) }, (_, i) => String(i + 1));
    renderPairedBars(
      this.el<SVGSVGElement>('ratios'),
      labels,
      ratios.map((values, i) => ({ name: netNames[i]!, className: `series-${i}`, values })),
      (net, i, value) => t(this.uiLang, 'widget.ratioBar', { net, n: i + 1, value: value.toFixed(3) }),
    );
    return ms;
  }
}

export function defineResidualExplorer(): void {
  if (!customElements.get('na-residual-explorer')) customElements.define('na-residual-explorer', ResidualExplorer);
}
