/**
 * <na-segmentation-explorer>: a segmentation network with skip connections and its twin without, on the
 * same scene. Shows both predicted masks over the input beside the scene's ground truth, drawn the same way
 * (composed scenes know it from the composer, held-out scenes ship it; an upload has none and says so),
 * their per-class IoU against that truth, and, for the block chosen in the U diagram, that block's feature
 * maps in both networks, one channel of each enlarged with the receptive field of a unit picked on it.
 */
import { t } from '../../i18n';
import { classCounts, segmentationScores } from '../../lib/metrics/iou';
import { graphOf, outputsWithRole } from '../../lib/card';
import { ChannelGrid } from '../../lib/viz/channel-grid';
import { formatValue } from '../../lib/viz/heatmap';
import { drawMaskOverlay } from '../../lib/viz/mask-overlay';
import { ModelWidget, type Feeds, type InputContext } from './parts/model-widget';
import { ReceptiveFieldView } from './parts/receptive-field';
import { SceneInput } from './parts/scene-input';

class SegmentationExplorer extends ModelWidget<SceneInput> {
  private grids: ChannelGrid[] = [];
  private fields: ReceptiveFieldView[] = [];
  /** Class maps of the last run, kept so the opacity slider redraws without running. */
  private classes: Float32Array[] = [];

  protected createInput(ctx: InputContext): SceneInput {
    return new SceneInput(ctx);
  }

  protected setup(): void {
    this.grids = [0, 1].map((net) => new ChannelGrid(this.el(`maps-${net}`), { canvas: this.el(`big-${net}`), caption: this.el(`big-caption-${net}`) }));
    this.fields = [0, 1].map((net) => new ReceptiveFieldView((name) => this.el(name), this.uiLang, this.el('scene'), String(net)));
    this.el<HTMLInputElement>('opacity').addEventListener('input', () => this.drawOverlays());
    const diagram = this.el('diagram');
    const choose = (e: Event) => {
      const block = (e.target as Element).closest<SVGGElement>('[data-output]');
      if (block) this.select(block.dataset.output!);
    };
    diagram.addEventListener('click', choose);
    diagram.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        choose(e);
      }
    });
    this.markSelected();
  }

  private select(name: string): void {
    this.dataset.selected = name;
    this.markSelected();
    this.refresh();
  }

  private markSelected(): void {
    const name = this.dataset.selected;
    for (const g of this.el('diagram').querySelectorAll('[data-output]')) {
      g.setAttribute('aria-pressed', String(g.getAttribute('data-output') === name));
    }
    const spec = graphOf(this.cards[0]!).outputs.find((o) => o.name === name);
    this.el('block-caption').textContent = spec ? `${spec.label[this.uiLang]} · ${spec.shape.slice(1).join('×')}` : '';
  }

  protected async draw(feeds: Feeds): Promise<number> {
    const selected = this.dataset.selected ?? 'dec1_out';
    const classNames = this.cards[0]!.labels?.[this.uiLang] ?? [];
    let ms = 0;
    const classes: Float32Array[] = [];
    for (const [net, card] of this.cards.entries()) {
      const mask = outputsWithRole(card, 'mask')[0]!.name;
      const has = graphOf(card).outputs.some((o) => o.name === selected);
      const result = await this.runModel(net, feeds, has ? [mask, selected] : [mask]);
      ms += result.ms;
      classes.push(result.outputs[mask]!.data);
      this.el(`absent-${net}`).hidden = has;
      this.el(`maps-${net}`).hidden = !has;
      this.el(`enlarged-${net}`).hidden = !has;
      const maps = result.outputs[selected];
      const spec = graphOf(card).outputs.find((o) => o.name === selected);
      if (maps && spec) {
        const name = (i: number) => (selected === 'probs' ? classNames[i] ?? '' : t(this.uiLang, 'widget.channel', { n: i }));
        this.grids[net]!.render(maps, {
          colormap: 'viridis',
          scaling: selected === 'probs' ? 'layer' : 'channel',
          label: name,
          describe: (i, r) => t(this.uiLang, 'widget.channelRange', { n: i, layer: spec.label[this.uiLang], min: formatValue(r.min), max: formatValue(r.max) }),
        });
        this.fields[net]!.update(spec, maps.dims[2]!, maps.dims[3]!);
      }
    }
    this.classes = classes;
    this.drawOverlays();
    this.showScores(classes);
    // Pixels per class and network, for tests and the curious: the two backends must agree on them.
    this.dataset.classPixels = JSON.stringify(classes.map((c) => classCounts(c, classNames.length)));
    return ms;
  }

  private drawOverlays(): void {
    const image = this.inputs.current;
    if (!image) return;
    const opacity = Number(this.el<HTMLInputElement>('opacity').value);
    this.classes.forEach((c, net) => drawMaskOverlay(this.el<HTMLCanvasElement>(`overlay-${net}`), image, c, opacity));
    const truth = this.inputs.truth;
    const canvas = this.el<HTMLCanvasElement>('truth');
    canvas.hidden = !truth;
    this.el('truth-none').hidden = !!truth;
    if (truth) drawMaskOverlay(canvas, image, truth, opacity);
  }

  /** Per-class IoU of both networks against the scene's ground truth; only classes present in the truth
   * or in either prediction get a row. */
  private showScores(classes: Float32Array[]): void {
    const truth = this.inputs.truth;
    const table = this.el<HTMLTableElement>('iou');
    this.el('no-truth').hidden = !!truth;
    table.hidden = !truth;
    if (!truth) {
      delete this.dataset.iou;
      return;
    }
    const names = this.cards[0]!.labels?.[this.uiLang] ?? [];
    const scores = classes.map((c) => segmentationScores(c, truth, names.length));
    const pct = (v: number | null) => (v === null ? '–' : `${(v * 100).toFixed(1)}%`);
    const row = (head: string, cells: string[], cls = '') => {
      const tr = document.createElement('tr');
      if (cls) tr.className = cls;
      const th = document.createElement('th');
      th.scope = 'row';
      th.textContent = head;
      tr.append(th, ...cells.map((text) => Object.assign(document.createElement('td'), { textContent: text })));
      return tr;
    };
    const rows = names.flatMap((name, c) =>
      scores.some((s) => s.iou[c] !== null) ? [row(name, scores.map((s) => pct(s.iou[c] ?? null)))] : [],
    );
    rows.push(row(t(this.uiLang, 'seg.meanIou'), scores.map((s) => pct(s.meanIou)), 'total'));
    rows.push(row(t(this.uiLang, 'seg.pixelAccuracy'), scores.map((s) => pct(s.pixelAccuracy)), 'total'));
    table.tBodies[0]!.replaceChildren(...rows);
    this.dataset.iou = JSON.stringify(scores.map((s) => s.meanIou));
  }
}

export function defineSegmentationExplorer(): void {
  if (!customElements.get('na-segmentation-explorer')) customElements.define('na-segmentation-explorer', SegmentationExplorer);
}
