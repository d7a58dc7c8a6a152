/**
 * <na-bert-explorer>: a small BERT on a text the reader types or picks. The masked-language model runs on
 * the tokens with [MASK] where the reader put one, and lists its five best guesses for each; one run gives
 * every layer's attention, so choosing a layer, a head or a query token redraws without running again. The
 * fine-tuned classifier (the second card) runs on the same text, unmasked, when the text changes.
 */
import { t } from '../../i18n';
import type { Feed, Tensor } from '../../lib/runtime';
import { softmax, topK } from '../../lib/text/mlm';
import { renderAttentionMap } from '../../lib/viz/attention-map';
import { renderAttentionTokens } from '../../lib/viz/attention-tokens';
import { renderHeadGrid } from '../../lib/viz/head-grid';
import { renderProbBars } from '../../lib/viz/prob-bars';
import { formatPercent, renderRankedBars } from '../../lib/viz/ranked-bars';
import { classifierLayout, type BertLayout, type ClassifierLayout } from './bert-card';
import { BertInput, type Sequence } from './bert-input';
import { ModelWidget, type Feeds, type InputContext } from './parts/model-widget';
import { attentionAxes, headSlice } from './translator-card';

const TOP_K = 5;

interface LastRun {
  seq: Sequence;
  /** The tokens as the model read them: [MASK] where masked. */
  fed: string[];
  /** Per layer, in layer order, the attention output of the run. */
  maps: Tensor[];
}

const langOf = (token: string) => (/\p{Script=Han}/u.test(token) ? 'zh-CN' : /[a-z0-9]/i.test(token) ? 'en' : undefined);

class BertExplorer extends ModelWidget<BertInput> {
  private mlm!: BertLayout;
  private cls!: ClassifierLayout;
  private last: LastRun | null = null;
  private layer = 0;
  private head = 0;
  private query = 0;
  private runs = 0;
  /** The classifier's answer for the last unmasked text it read (masking a token does not change it). */
  private verdict: { key: string; probs: Float32Array } | null = null;

  protected createInput(ctx: InputContext): BertInput {
    const input = new BertInput(ctx);
    this.mlm = input.layout;
    return input;
  }

  protected setup(): void {
    const twin = this.cards[1];
    if (!twin) throw new Error('the BERT explorer needs the fine-tuned classifier beside the model');
    this.cls = classifierLayout(twin);
    this.el<HTMLSelectElement>('layer').addEventListener('change', (e) => this.choose(Number((e.target as HTMLSelectElement).value), this.head));
    this.el<HTMLSelectElement>('head').addEventListener('change', (e) => this.choose(this.layer, Number((e.target as HTMLSelectElement).value)));
  }

  private choose(layer: number, head: number): void {
    this.layer = layer;
    this.head = head;
    this.el<HTMLSelectElement>('layer').value = String(layer);
    this.el<HTMLSelectElement>('head').value = String(head);
    this.renderAttention();
  }

  protected async draw(feeds: Feeds): Promise<number> {
    const seq = this.inputs.current!;
    const { logits, attention } = this.mlm;
    const result = await this.runModel(0, feeds, [logits.name, ...attention.map((o) => o.name)]);
    let ms = result.ms;
    const key = `${seq.ids.join(',')}|${seq.segments.join(',')}|${result.provider}`;
    if (this.verdict?.key !== key) {
      const tensor = (spec: ClassifierLayout['ids'], values: number[]): Feed => ({
        dtype: spec.dtype, dims: [1, values.length], data: spec.dtype === 'int64' ? BigInt64Array.from(values, BigInt) : Int32Array.from(values),
      });
      const { ids, segments, probs } = this.cls;
      const verdict = await this.runModel(1, { [ids.name]: tensor(ids, seq.ids), [segments.name]: tensor(segments, seq.segments) }, [probs.name]);
      ms += verdict.ms;
      this.verdict = { key, probs: verdict.outputs[probs.name]!.data };
    }
    const mask = this.inputs.vocab.special.mask;
    const masked = new Set(seq.masked);
    // A new text starts the token-by-token view at its first mask (or [CLS]); a new mask keeps the query.
    if (this.last?.seq.ids.join() !== seq.ids.join() || this.query >= seq.ids.length) this.query = seq.masked[0] ?? 0;
    this.last = {
      seq,
      fed: seq.tokens.map((token, i) => (masked.has(i) ? this.inputs.vocab.tokens[mask]! : token)),
      maps: attention.map((o) => result.outputs[o.name]!),
    };
    this.runs += 1;
    this.dataset.runs = String(this.runs);
    this.dataset.masked = JSON.stringify(seq.masked);
    this.renderPredictions(seq, result.outputs[logits.name]!);
    this.renderVerdict();
    this.renderAttention();
    return ms;
  }

  /** For each masked token, the five most likely tokens there, the original marked if it is among them. */
  private renderPredictions(seq: Sequence, logits: Tensor): void {
    const lang = this.uiLang;
    const { tokens } = this.inputs.vocab;
    const size = this.mlm.vocabSize;
    const box = this.el('predictions');
    if (!seq.masked.length) {
      box.replaceChildren(Object.assign(document.createElement('p'), { className: 'hint', textContent: t(lang, 'bert.noMask') }));
      return;
    }
    box.replaceChildren(
      ...seq.masked.map((position, row) => {
        const probs = softmax(logits.data, row * size, size);
        const original = seq.ids[position]!;
        const word = tokens[original] ?? String(original);
        const section = document.createElement('section');
        section.className = 'mask-card';
        section.dataset.position = String(position);
        section.dataset.original = String(original);
        section.dataset.originalP = String(probs[original]);
        const title = document.createElement('h5');
        title.textContent = t(lang, 'bert.maskTitle', { position, token: word });
        const list = document.createElement('ol');
        const top = topK(probs, TOP_K);
        renderRankedBars(list, top.map(({ id, p }) => ({
          label: tokens[id] ?? String(id), p, lang: langOf(tokens[id] ?? ''), data: { id: String(id) },
          note: id === original ? t(lang, 'bert.original') : undefined,
        })));
        section.append(title, list);
        if (!top.some((r) => r.id === original)) {
          const miss = document.createElement('p');
          miss.className = 'hint';
          miss.textContent = t(lang, 'bert.originalElsewhere', { token: word, p: formatPercent(probs[original]!) });
          section.append(miss);
        }
        return section;
      }),
    );
  }

  private renderVerdict(): void {
    const probs = this.verdict!.probs;
    const labels = this.cls.labels[this.uiLang];
    renderProbBars(this.el('verdict'), probs, labels, labels.length);
    this.dataset.verdict = JSON.stringify(Array.from(probs));
  }

  /** The chosen head, token by token and as a matrix, and every head as a small multiple. */
  private renderAttention(): void {
    const last = this.last;
    if (!last) return;
    const lang = this.uiLang;
    const n = last.fed.length;
    const { attention, heads } = this.mlm;
    const layerName = (l: number) => t(lang, 'translator.layerN', { n: attention[l]!.attention!.layer });
    const headName = (h: number) => t(lang, 'translator.headN', { n: h + 1 });
    const special = last.seq.special;
    const group = (i: number) => (special.has(i) ? undefined : last.seq.segments[i] ? 'b' : 'a');
    const lang1 = (i: number) => langOf(last.fed[i]!);
    renderHeadGrid(this.el('heads'), {
      rows: attention.length, cols: heads, size: n,
      rowLabels: attention.map((_, l) => layerName(l)), colLabels: Array.from({ length: heads }, (_, h) => headName(h)),
      weights: (l, h) => this.headMap(l, h),
      chosen: [this.layer, this.head],
      label: t(lang, 'bert.heads'),
      tileLabel: (l, h) => t(lang, 'bert.headTile', { layer: layerName(l), head: headName(h) }),
      onChoose: (l, h) => this.choose(l, h),
    });
    const weights = this.headMap(this.layer, this.head);
    const where = `${layerName(this.layer)}, ${headName(this.head)}`;
    const caption = () => {
      this.el('query-caption').textContent = t(lang, 'bert.queryCaption', { token: last.fed[this.query] ?? '', position: this.query, where });
    };
    renderAttentionTokens(this.el('attention-tokens'), {
      tokens: last.fed, weights, query: this.query, special, group, lang: lang1,
      label: t(lang, 'bert.attentionTokens'),
      describe: (q, k, w) => t(lang, 'translator.cell', { query: last.fed[q]!, key: last.fed[k]!, weight: w.toFixed(3) }),
      onQuery: (q) => {
        this.query = q;
        caption();
      },
    });
    caption();
    const map = this.el('attention');
    this.el('attention-caption').textContent = t(lang, 'translator.attentionCaption', { map: attention[this.layer]!.label[lang], head: this.head + 1, rows: n, cols: n });
    renderAttentionMap(map, {
      weights, rows: n, cols: n, rowLabels: last.fed, colLabels: last.fed, label: where,
      describe: (r, c, w) => t(lang, 'translator.cell', { query: last.fed[r]!, key: last.fed[c]!, weight: w.toFixed(3) }),
    });
    map.dataset.output = attention[this.layer]!.name;
    map.dataset.head = String(this.head);
  }

  /** Head `head` of layer `layer` of the last run, as query × key weights. */
  private headMap(layer: number, head: number): Float32Array {
    return headSlice(this.last!.maps[layer]!, attentionAxes(this.mlm.attention[layer]!), head);
  }
}

export function defineBertExplorer(): void {
  if (!customElements.get('na-bert-explorer')) customElements.define('na-bert-explorer', BertExplorer);
}
