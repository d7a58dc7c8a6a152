/**
 * <na-vit-explorer>: a Vision Transformer on one image. One run gives every layer's attention, so choosing
 * a layer, a head, a query patch or how far the rollout goes redraws from the last run without running
 * again. A second card (a CNN) only contributes its top-5 on the same input.
 */
import { t } from '../../i18n';
import type { Tensor } from '../../lib/runtime';
import { attentionRollout, headMean, headRow, queryRow } from '../../lib/vision/attention';
import { patchGrid, patchIndexAt, patchify, type PatchGrid } from '../../lib/vision/patches';
import { cosineSimilarity } from '../../lib/vision/similarity';
import { drawHeatmap, rangeOf, symmetric } from '../../lib/viz/heatmap';
import { drawPatchSequence, drawPatchView, drawTileGrid, type GreyImage } from '../../lib/viz/patch-view';
import { renderProbBars } from '../../lib/viz/prob-bars';
import { ImageInput } from './parts/image-input';
import { ModelWidget, type Feeds, type InputContext } from './parts/model-widget';
import { vitLayout, type VitLayout } from './vit-card';

/** Canvas pixels per image pixel: the large view, the single views, the small tiles of the head grid. */
const LARGE = 10;
const VIEW = 8;
const TILE = 3;

interface LastRun {
  image: GreyImage;
  outputs: Record<string, Tensor>;
  /** Each layer's mean over its heads, made when first drawn: every choice of query redraws it. */
  means: Float32Array[];
}

class VitExplorer extends ModelWidget<ImageInput> {
  private vit!: VitLayout;
  private grid!: PatchGrid;
  private last: LastRun | null = null;
  private positionsDrawn = false;
  /** The chosen tile of the head grid; `head` is a head's index or 'mean'. */
  private layer = 0;
  private head = 'mean';
  /** The token whose attention is shown: 0 is the class token, k the k-th patch. */
  private query = 0;
  /** The patch the keyboard is on in the large view. */
  private cursor = 0;

  protected createInput(ctx: InputContext): ImageInput {
    return new ImageInput(ctx);
  }

  protected setup(): void {
    const card = this.cards[0]!;
    this.vit = vitLayout(card);
    this.grid = patchGrid(this.vit.side * this.vit.patch, this.vit.patch);
    this.layer = this.vit.attention.length - 1;
    this.el('heads').addEventListener('click', (e) => {
      const tile = (e.target as Element).closest<HTMLButtonElement>('button[data-layer]');
      if (!tile) return;
      this.layer = this.vit.attention.findIndex((o) => o.attention!.layer === Number(tile.dataset.layer));
      this.head = tile.dataset.head!;
      this.drawAttention();
    });
    const large = this.el<HTMLCanvasElement>('large');
    large.addEventListener('click', (e) => {
      // A click on the very edge (or the outline) can land a hair outside the image: keep it on the last patch.
      const at = (offset: number, extent: number) => Math.min(Math.max((offset / extent) * this.grid.size, 0), this.grid.size - 1e-6);
      const index = patchIndexAt(at(e.offsetX, large.clientWidth), at(e.offsetY, large.clientHeight), this.grid);
      this.cursor = index;
      this.ask(index + 1);
    });
    large.addEventListener('keydown', (e) => this.onKey(e));
    // The keyboard cursor shows only while the large view has the focus.
    large.addEventListener('focus', () => this.drawAttention());
    large.addEventListener('blur', () => this.drawAttention());
    this.el('to-cls').addEventListener('click', () => this.ask(0));
    this.el<HTMLSelectElement>('through').addEventListener('change', () => this.drawRollout());
  }

  /** Arrow keys move a cursor over the patches; Enter or Space makes it the query; Escape returns to the class token. */
  private onKey(e: KeyboardEvent): void {
    const { side } = this.vit;
    const row = Math.floor(this.cursor / side);
    const col = this.cursor % side;
    const moves: Record<string, [number, number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    const move = moves[e.key];
    if (move) {
      this.cursor = Math.min(side - 1, Math.max(0, row + move[0])) * side + Math.min(side - 1, Math.max(0, col + move[1]));
      this.drawAttention();
    } else if (e.key === 'Enter' || e.key === ' ') {
      this.ask(this.cursor + 1);
    } else if (e.key === 'Escape') {
      this.ask(0);
    } else {
      return;
    }
    e.preventDefault();
  }

  private ask(query: number): void {
    this.query = query;
    this.el<HTMLButtonElement>('to-cls').disabled = query === 0;
    this.drawAttention();
    this.drawRollout();
  }

  protected async draw(feeds: Feeds): Promise<number> {
    const vit = this.vit;
    const image = this.inputs.current!;
    const fetches = [vit.probs, vit.patches.name, vit.cls.name, ...vit.attention.map((o) => o.name), ...(this.positionsDrawn ? [] : [vit.pos.name])];
    const result = await this.runModel(0, feeds, fetches);
    let ms = result.ms;
    for (const [i, card] of this.cards.entries()) {
      const run = i === 0 ? result : await this.runModel(i, feeds, [this.probsOf(i)]);
      if (i > 0) ms += run.ms;
      renderProbBars(this.el(`top5-${i}`), run.outputs[this.probsOf(i)]!.data, card.labels?.[this.uiLang] ?? []);
    }
    this.last = { image, outputs: result.outputs, means: [] };

    drawPatchView(this.el('patch-grid'), image, { side: vit.side, scale: VIEW, numbers: true });
    drawPatchSequence(this.el('sequence'), patchify(image.data, this.grid), vit.patch, { scale: 4, perRow: vit.side + 1, first: 'CLS' });
    this.drawMatrix('embeddings', result.outputs[vit.patches.name]!);
    this.drawMatrix('cls', result.outputs[vit.cls.name]!);
    if (!this.positionsDrawn) this.drawPositions(result.outputs[vit.pos.name]!);
    this.drawAttention();
    this.drawRollout();
    return ms;
  }

  private probsOf(i: number): string {
    return i === 0 ? this.vit.probs : this.cards[i]!.graphs[0]!.outputs.find((o) => o.role === 'probabilities')!.name;
  }

  /** A (1, rows, cols) tensor as a heatmap, blue negative and red positive on a scale symmetric about 0. */
  private drawMatrix(part: string, tensor: Tensor): void {
    const [rows, cols] = tensor.dims.slice(-2) as [number, number];
    drawHeatmap(this.el(part), tensor.data, 0, rows, cols, symmetric(rangeOf(tensor.data)), 'diverging');
  }

  /** The paper's Figure 7 (centre): how similar each patch's position embedding is to every other's. */
  private drawPositions(pos: Tensor): void {
    const [tokens, dim] = pos.dims as [number, number];
    const similarity = cosineSimilarity(pos.data.subarray(dim), tokens - 1, dim);
    drawTileGrid(this.el('positions'), similarity, this.vit.side, { cell: 6, range: { min: -1, max: 1 }, colormap: 'diverging' });
    this.positionsDrawn = true;
  }

  /** The query's weights over the patches in layer `layer`, for one head or their mean. */
  private weights(layer: number, head: string): Float32Array {
    const { heads, tokens } = this.vit;
    const last = this.last!;
    const data = last.outputs[this.vit.attention[layer]!.name]!.data;
    if (head !== 'mean') return headRow(data, Number(head), tokens, this.query);
    return queryRow((last.means[layer] ??= headMean(data, heads, tokens)), tokens, this.query);
  }

  private queryName(): string {
    return this.query === 0 ? t(this.uiLang, 'vit.clsToken') : t(this.uiLang, 'vit.patchN', { n: this.query });
  }

  private drawAttention(): void {
    if (!this.last) return;
    const { image } = this.last;
    const { side } = this.vit;
    const query = this.query - 1;
    for (const tile of this.el('heads').querySelectorAll<HTMLButtonElement>('button[data-layer]')) {
      const layer = this.vit.attention.findIndex((o) => o.attention!.layer === Number(tile.dataset.layer));
      const chosen = layer === this.layer && tile.dataset.head === this.head;
      tile.setAttribute('aria-pressed', String(chosen));
      drawPatchView(tile.querySelector('canvas')!, image, { side, scale: TILE, weights: this.weights(layer, tile.dataset.head!), query });
    }
    const cursor = document.activeElement === this.el('large') ? this.cursor : null;
    drawPatchView(this.el('large'), image, { side, scale: LARGE, weights: this.weights(this.layer, this.head), query, cursor });
    const head = this.head === 'mean' ? t(this.uiLang, 'vit.meanOfHeads') : t(this.uiLang, 'translator.headN', { n: Number(this.head) + 1 });
    this.el('large-caption').textContent = t(this.uiLang, 'vit.largeCaption', {
      query: this.queryName(), layer: this.vit.attention[this.layer]!.attention!.layer, head,
    });
  }

  private drawRollout(): void {
    if (!this.last) return;
    const { heads, tokens, side } = this.vit;
    const through = this.vit.attention.findIndex((o) => o.attention!.layer === Number(this.el<HTMLSelectElement>('through').value)) + 1;
    const layers = this.vit.attention.slice(0, through).map((o) => this.last!.outputs[o.name]!.data);
    const row = queryRow(attentionRollout(layers, heads, tokens), tokens, this.query);
    drawPatchView(this.el('rollout'), this.last.image, { side, scale: VIEW, weights: row, query: this.query - 1 });
    this.el('rollout-caption').textContent = t(this.uiLang, 'vit.rolloutCaption', { query: this.queryName(), through: this.el<HTMLSelectElement>('through').value });
  }
}

export function defineVitExplorer(): void {
  if (!customElements.get('na-vit-explorer')) customElements.define('na-vit-explorer', VitExplorer);
}
