/**
 * <na-selective-copy>: selective copying with a selective Mamba and its time-invariant twin side by side.
 * Both read the same sequence (one run each); the widget lists the symbols to remember, what each model
 * wrote at the recall markers, right or wrong, with the model's held-out accuracy from its card, and for
 * the chosen layer each model's step size Δ over time as a heatmap with the symbols outlined. Choosing a
 * layer redraws without running again.
 */
import { t } from '../../i18n';
import type { Tensor } from '../../lib/runtime';
import { formatValue } from '../../lib/viz/heatmap';
import { formatPercent } from '../../lib/viz/ranked-bars';
import { renderSequenceHeatmap } from '../../lib/viz/sequence-heatmap';
import { ModelWidget, type Feeds, type InputContext } from './parts/model-widget';
import { copyPair, recalled, symbolPlaces, type CopyLayout } from './selective-copy-card';
import { CopyInput } from './selective-copy-input';

interface LastRun {
  ids: number[];
  /** Per model: the recalled tokens, the logits they were read from (one row per recall marker), and Δ of
   * every layer in layer order. */
  models: { recalled: number[]; logits: number[][]; delta: Tensor[] }[];
}

class SelectiveCopy extends ModelWidget<CopyInput> {
  private layouts!: [CopyLayout, CopyLayout];
  private layer = 0;
  private last: LastRun | null = null;
  private runs = 0;

  protected createInput(ctx: InputContext): CopyInput {
    return new CopyInput(ctx);
  }

  protected setup(): void {
    if (!this.cards[1]) throw new Error('the selective-copy widget needs the time-invariant twin beside the model');
    this.layouts = copyPair(this.cards[0]!, this.cards[1]);
    this.el<HTMLSelectElement>('layer').addEventListener('change', (e) => {
      this.layer = Number((e.target as HTMLSelectElement).value);
      this.renderMaps();
    });
  }

  protected async draw(feeds: Feeds): Promise<number> {
    // The ids these feeds hold (the input may have moved on while this run waited).
    const ids = Array.from(feeds[this.layouts[0].ids.name]!.data as BigInt64Array | Int32Array, Number);
    let ms = 0;
    const models: LastRun['models'] = [];
    // The twin declares the same input (ModelWidget.astro checks), so both run on the same feeds.
    for (const [i, layout] of this.layouts.entries()) {
      const result = await this.runModel(i, feeds, [layout.logits.name, ...layout.delta.map((o) => o.name)]);
      ms += result.ms;
      const logits = result.outputs[layout.logits.name]!.data;
      const v = layout.vocabSize;
      models.push({
        recalled: recalled(logits, layout),
        logits: Array.from({ length: layout.task.memorise }, (_, k) => Array.from(logits.subarray((layout.task.body + k) * v, (layout.task.body + k + 1) * v))),
        delta: layout.delta.map((o) => result.outputs[o.name]!),
      });
    }
    this.last = { ids, models };
    this.runs += 1;
    this.dataset.runs = String(this.runs);
    this.dataset.ids = JSON.stringify(ids);
    this.dataset.recalled = JSON.stringify(models.map((m) => m.recalled));
    this.renderRecall();
    this.renderMaps();
    return ms;
  }

  /** The symbols in order, then per model what it wrote at each recall marker, marked right or wrong. */
  private renderRecall(): void {
    const { ids, models } = this.last!;
    const lang = this.uiLang;
    const layout = this.layouts[0];
    const target = symbolPlaces(ids, layout).map((p) => ids[p]!);
    const text = (id: number) => this.inputs.vocab.tokens[id] ?? String(id);
    const chip = (id: number, className = '') => {
      const li = document.createElement('li');
      li.className = className;
      li.dataset.id = String(id);
      li.textContent = text(id);
      return li;
    };
    const targetList = this.el('target');
    targetList.replaceChildren(...target.map((id) => chip(id)));
    targetList.dataset.ids = JSON.stringify(target);
    this.el('target-empty').hidden = target.length > 0;

    models.forEach(({ recalled: got, logits }, i) => {
      const own = this.layouts[i]!;
      let right = 0;
      const list = this.el(`recalled-${i}`);
      list.replaceChildren(
        ...got.map((id, k) => {
          const want = target[k];
          const ok = id === want;
          if (ok) right++;
          const li = chip(id, want === undefined ? 'extra' : ok ? 'right' : 'wrong');
          const mark = document.createElement('span');
          mark.className = 'mark';
          mark.setAttribute('aria-hidden', 'true');
          mark.textContent = want === undefined ? '' : ok ? '✓' : '✗';
          const said = document.createElement('span');
          said.className = 'visually-hidden';
          said.textContent = want === undefined ? t(lang, 'copy.extra') : ok ? t(lang, 'copy.right') : t(lang, 'copy.wrong', { token: text(want) });
          li.append(mark, said);
          return li;
        }),
      );
      list.dataset.ids = JSON.stringify(got);
      // The numbers behind each answer, for tools and tests that tell a near tie from a wrong answer.
      list.dataset.logits = JSON.stringify(logits);
      const card = this.cards[i]!;
      const percent = (v: number) => formatPercent(v);
      this.el(`score-${i}`).textContent = t(lang, 'copy.score', {
        right, slots: got.length,
        accuracy: percent(own.accuracy), sequences: own.heldOut ?? '—', chance: percent(card.metrics.copy_chance ?? 1 / own.task.symbols),
      });
      this.el(`score-${i}`).dataset.right = String(right);
    });
  }

  /** Δ of the chosen layer for each model, time along x, the symbols outlined. */
  private renderMaps(): void {
    const last = this.last;
    if (!last) return;
    const lang = this.uiLang;
    const tokens = last.ids.map((id) => this.inputs.vocab.tokens[id] ?? String(id));
    const marked = symbolPlaces(last.ids, this.layouts[0]);
    last.models.forEach((model, i) => {
      const layout = this.layouts[i]!;
      const output = layout.delta[this.layer]!;
      const delta = model.delta[this.layer]!;
      const root = this.el(`heatmap-${i}`);
      const channels = layout.channels;
      const where = (n: number) => ({ n: n + 1, token: tokens[n]! });
      renderSequenceHeatmap(root, {
        data: delta.data, steps: last.ids.length, channels, labels: tokens, marked,
        name: t(lang, 'copy.mapName', { model: this.cards[i]!.title[lang], layer: output.ssm!.layer }),
        describe: (s, c, v) => t(lang, 'copy.cell', { ...where(s), channel: c + 1, value: formatValue(v) }),
        describeMean: (s, m) => t(lang, 'copy.mean', { ...where(s), channels, value: formatValue(m) }),
      });
      root.dataset.output = output.name;
      this.el(`range-${i}`).textContent = t(lang, 'copy.mapRange', { output: output.label[lang], min: formatValue(Number(root.dataset.min)), max: formatValue(Number(root.dataset.max)) });
    });
  }
}

export function defineSelectiveCopy(): void {
  if (!customElements.get('na-selective-copy')) customElements.define('na-selective-copy', SelectiveCopy);
}
