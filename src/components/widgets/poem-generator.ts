/**
 * <na-poem-generator>: a character model of Tang and Song poems writing on from a start, one run of its
 * step graph per character (lib/generate/recurrent). Generate starts from the reader's start; Step reads
 * one more token; Play carries on slowly; the shell's Stop ends either. Every run is kept, so the reader can
 * go back to any step: the next-character probabilities there, the hidden state h of the chosen layer after
 * it, and Δ of every character read up to it. A note compares the state's fixed size with the key/value
 * cache a Transformer decoder would hold after as many tokens. Everything it knows about the model comes
 * from the card (poem-card.ts).
 */
import { t } from '../../i18n';
import { Recurrence, type Decoding, type RecurrentStep, type RunStep } from '../../lib/generate/recurrent';
import { WidgetError, pause, type Provider } from '../../lib/runtime';
import { topK } from '../../lib/text/mlm';
import { drawHeatmap, formatValue } from '../../lib/viz/heatmap';
import { formatPercent, renderRankedBars } from '../../lib/viz/ranked-bars';
import { cellAt, moveCursor, renderSequenceHeatmap, type Cursor } from '../../lib/viz/sequence-heatmap';
import { ModelWidget, type Feeds, type InputContext } from './parts/model-widget';
import { TextBoxInput } from './parts/text-box-input';
import { encodePrompt, parseCharVocab, poemLayout, type CharVocab, type PoemLayout } from './poem-card';

type Action = 'generate' | 'step' | 'play';

/** Pause after each run while playing, so that the reader sees the characters come. */
const PACE_MS = 120;
const TOP_K = 5;
/** How a newline is drawn where a character stands alone (bars, labels, the readout). */
const NEWLINE = '↵';

interface Prompt {
  prompt: string;
  ids: number[];
  greedy: number[];
}

/** The start as the model reads it. */
interface Start {
  ids: number[];
  /** The characters typed, one per id after <s>: unknown ones are shown as typed. */
  chars: string[];
  unknown: string[];
}

/**
 * The start: typed in the box, or one of the shipped prompts. Its feed is the ids to read (<s> first), one
 * row; the widget hands them to the step graph one at a time. Characters outside the vocabulary are read
 * as <unk>, and a notice says which.
 */
class PoemInput extends TextBoxInput {
  vocab!: CharVocab;
  current: Start | null = null;

  constructor(ctx: InputContext, private readonly layout: PoemLayout) {
    super(ctx);
  }

  async load(signal: AbortSignal): Promise<Feeds | null> {
    const [vocab, samples] = await Promise.all([
      this.ctx.fetchJson<unknown>(this.layout.vocab, signal),
      this.ctx.fetchJson<{ prompts: Prompt[] }>(this.ctx.card.samples.file, signal),
    ]);
    this.vocab = parseCharVocab(vocab, this.layout.vocabSize);
    const prompts = samples.prompts ?? [];
    this.ctx.find('prompts').replaceChildren(
      ...prompts.map((p, i) => {
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'button example';
        button.lang = 'zh-CN';
        button.dataset.prompt = String(i);
        button.textContent = p.prompt;
        button.addEventListener('click', () => {
          this.box.value = p.prompt;
          this.submit();
        });
        return button;
      }),
    );
    // A start typed while the model was loading is the input; otherwise the first shipped prompt.
    if (!this.box.value && prompts[0]) this.box.value = prompts[0].prompt;
    return this.read();
  }

  /** The text as ids; throws a WidgetError when it leaves no room to write. */
  protected parse(text: string): Feeds {
    const start = encodePrompt(this.vocab, text);
    const { maxLength } = this.layout;
    if (start.ids.length >= maxLength) {
      throw new WidgetError('poem.tooLong', { count: start.chars.length, max: maxLength, limit: maxLength - 2 });
    }
    this.box.removeAttribute('aria-invalid');
    this.current = start;
    const notice = this.ctx.find('unknown');
    notice.hidden = !start.unknown.length;
    notice.textContent = start.unknown.length
      ? t(this.ctx.lang, 'poem.unknown', { chars: start.unknown.map((c) => `“${c}”`).join(this.ctx.lang === 'zh' ? '、' : ', '), size: this.layout.vocabSize })
      : '';
    notice.dataset.unknown = start.unknown.join('');
    const { token } = this.layout.step;
    return { [token.name]: { dtype: token.dtype, dims: [1, start.ids.length], data: token.dtype === 'int64' ? BigInt64Array.from(start.ids, BigInt) : Int32Array.from(start.ids) } };
  }
}

class PoemGenerator extends ModelWidget<PoemInput> {
  private layout!: PoemLayout;
  private action: Action = 'generate';
  private rec: Recurrence | null = null;
  /** The start and decoding the recurrence was made for: any change starts it again. */
  private recKey = '';
  private recStart: Start | null = null;
  /** The step shown (0-based run index); null follows the latest. */
  private shown: number | null = null;
  private runMs = 0;
  private runs = 0;
  private ranOn: Provider = 'wasm';
  /** Recurrences started, for tests to tell a new text from the last one. */
  private generations = 0;
  /** The state map's cell under the reader's pointer or keyboard cursor (step: state entry; channel). */
  private stateCursor: Cursor = { step: 0, channel: 0 };

  protected createInput(ctx: InputContext): PoemInput {
    this.layout = poemLayout(ctx.card);
    return new PoemInput(ctx, this.layout);
  }

  protected graphsOf(): string[] {
    return [this.layout.graph];
  }

  protected setup(): void {
    const act = (action: Action) => () => {
      this.action = action;
      // A start typed but not yet submitted is what the reader means.
      const taken = this.inputs.takeChanged();
      if (taken === 'same') this.refresh();
      else if (taken === 'bad') this.action = 'generate';
    };
    this.el('step').addEventListener('click', act('step'));
    this.el('play').addEventListener('click', act('play'));
    const method = this.el<HTMLSelectElement>('method');
    method.addEventListener('change', () => {
      const sampling = method.value === 'sample';
      this.el<HTMLInputElement>('temperature').disabled = !sampling;
      this.el<HTMLInputElement>('seed').disabled = !sampling;
      act('generate')();
    });
    for (const part of ['temperature', 'seed']) this.el(part).addEventListener('change', act('generate'));
    this.el('layer').addEventListener('change', () => this.render());
    this.wireStateReadout();
    const shown = this.el<HTMLInputElement>('shown');
    shown.addEventListener('input', () => {
      const index = Number(shown.value) - 1;
      this.shown = index >= (this.rec?.steps.length ?? 0) - 1 ? null : index;
      this.render();
    });
  }

  private decoding(): Decoding {
    if (this.el<HTMLSelectElement>('method').value !== 'sample') return { method: 'greedy' };
    const temperature = Number(this.el<HTMLInputElement>('temperature').value);
    const seed = Math.floor(Number(this.el<HTMLInputElement>('seed').value));
    return { method: 'sample', temperature: temperature > 0 ? temperature : 1, seed: Number.isFinite(seed) ? seed >>> 0 : 0 };
  }

  protected async draw(feeds: Feeds): Promise<number> {
    const action = this.action;
    this.action = 'generate';
    const ids = Array.from(feeds[this.layout.step.token.name]!.data as BigInt64Array | Int32Array, Number);
    const decoding = this.decoding();
    const key = JSON.stringify([ids, decoding]);
    // Generate (and a new backend, which loads with it) starts again; Step and Play carry on, unless the
    // start or the decoding changed or the text is complete.
    if (action === 'generate' || !this.rec || this.rec.done || key !== this.recKey) {
      this.rec = new Recurrence(this.layout.step, ids, decoding, this.layout.maxLength - ids.length, this.inputs.vocab.bos);
      this.recKey = key;
      this.generations += 1;
      this.dataset.generation = String(this.generations);
      this.recStart = this.inputs.current;
      this.shown = null;
      this.render();
    }
    const rec = this.rec;
    this.runMs = 0;
    this.runs = 0;
    const total = rec.steps.length + rec.remaining;
    const progress = this.el<HTMLProgressElement>('progress');
    if (action !== 'step') progress.hidden = false;
    await this.stoppable((signal) =>
      rec.advance({
        run: this.runStep,
        runs: action === 'step' ? 1 : undefined,
        signal,
        onStep: async (s) => {
          progress.value = (s.index + 1) / total;
          this.say('poem.progress', { n: s.index + 1, total });
          this.render();
          if (action === 'play' && !rec.done) await pause(PACE_MS, signal);
        },
      }),
    );
    this.render();
    if (this.runs) {
      this.el('stats').textContent = t(this.uiLang, 'poem.stats', {
        runs: this.runs, ms: (this.runMs / this.runs).toFixed(2),
        provider: t(this.uiLang, this.ranOn === 'webgpu' ? 'widget.provider.webgpu' : 'widget.provider.wasm'),
      });
    }
    return this.runMs;
  }

  /** One run of the step graph through the widget's session (its queue, its Stop, its backend). */
  private runStep: RunStep = async (feeds, fetches) => {
    const result = await this.runModel(0, feeds, fetches, this.layout.graph);
    this.runMs += result.ms;
    this.runs += 1;
    this.ranOn = result.provider;
    return result.outputs;
  };

  /** A token as a label standing alone: the newline as ↵. */
  private charOf(id: number): string {
    const { tokens, newline } = this.inputs.vocab;
    return id === newline ? NEWLINE : tokens[id] ?? String(id);
  }

  /** The label of the token read at run `i`: <s>, a typed character as typed, or a written one. */
  private label(i: number): string {
    const rec = this.rec!;
    if (i > 0 && i < rec.promptLength) return this.recStart?.chars[i - 1] ?? '';
    return this.charOf(rec.tokens[i]!);
  }

  private render(): void {
    const rec = this.rec;
    if (!rec) return;
    const steps = rec.steps;
    const latest = steps.length - 1;
    const at = this.shown === null ? latest : Math.min(this.shown, latest);
    this.dataset.steps = String(steps.length);
    this.dataset.done = String(rec.done);
    this.dataset.generated = JSON.stringify(rec.tokens.slice(rec.promptLength));
    this.renderText(at);
    const shown = this.el<HTMLInputElement>('shown');
    shown.max = String(Math.max(1, steps.length));
    shown.value = String(at + 1);
    shown.disabled = steps.length < 2;
    this.el('shown-value').textContent = at >= 0 ? t(this.uiLang, 'poem.shownValue', { step: at + 1, total: steps.length, char: this.label(at) }) : '';
    this.renderProbs(steps[at]);
    this.renderState(at);
    this.renderDelta(at);
    if (steps.length) this.renderMemory(steps.length);
    const limit = this.el('limit');
    limit.hidden = !rec.done;
    limit.textContent = rec.ended ? t(this.uiLang, 'poem.ended') : rec.done ? t(this.uiLang, 'poem.limit', { max: this.layout.maxLength }) : '';
  }

  /** The start as typed and every character written so far; the one read at the shown step is marked,
   * and the last written one, not read yet, is marked as pending. */
  private renderText(at: number): void {
    const rec = this.rec!;
    const box = this.el('poem');
    const unknown = new Set(this.recStart?.unknown);
    const spans = rec.tokens.slice(1).map((id, k) => {
      const i = k + 1;
      const span = document.createElement('span');
      span.dataset.index = String(i);
      const typed = i < rec.promptLength;
      span.textContent = typed ? this.recStart?.chars[k] ?? '' : this.inputs.vocab.tokens[id] ?? '';
      if (typed) span.className = 'typed';
      // A written <s> (the model starting a new poem) or <unk> is a marker, not text.
      else if (id === this.inputs.vocab.bos || id === this.inputs.vocab.unk) span.className = 'special';
      if (typed && unknown.has(span.textContent)) {
        span.classList.add('unknown');
        span.title = '<unk>';
      }
      if (i === at) span.classList.add('current');
      if (i > rec.steps.length - 1) span.classList.add('pending');
      return span;
    });
    if (spans.length) box.replaceChildren(...spans);
    else box.textContent = t(this.uiLang, 'poem.noText');
  }

  private renderProbs(step: RecurrentStep | undefined): void {
    const list = this.el<HTMLOListElement>('probs');
    const elsewhere = this.el('elsewhere');
    elsewhere.hidden = true;
    if (!step) {
      list.replaceChildren();
      return;
    }
    this.el('probs-title').textContent = t(this.uiLang, 'poem.probs', { char: this.label(step.index) });
    const note = t(this.uiLang, step.chosen ? 'poem.chosen' : 'poem.promptNext');
    const top = topK(step.probs, TOP_K);
    renderRankedBars(list, top.map(({ id, p }) => ({ label: this.charOf(id), p, note: id === step.next ? note : undefined, data: { id: String(id) } })));
    if (step.chosen && !top.some((r) => r.id === step.next)) {
      elsewhere.hidden = false;
      elsewhere.textContent = t(this.uiLang, 'poem.chosenElsewhere', { char: this.charOf(step.next), p: formatPercent(step.probs[step.next]!) });
    }
  }

  private layer(): number {
    return Number(this.el<HTMLSelectElement>('layer').value);
  }

  /** h of the chosen layer after the shown step, channels as rows (as in the Δ map) and state entries as
   * columns, on a symmetric scale: the largest |h| of that layer over every step so far. */
  private renderState(at: number): void {
    const canvas = this.el<HTMLCanvasElement>('state');
    const { ssm, channels: E, dState: N } = this.layout;
    const layer = this.layer();
    const layerName = t(this.uiLang, 'translator.layerN', { n: layer + 1 });
    this.el('state-title').textContent = t(this.uiLang, 'poem.state', { layer: layerName });
    const steps = this.rec!.steps;
    const step = steps[at];
    if (!step) {
      canvas.width = canvas.height = 0;
      return;
    }
    const offset = layer * E * N;
    let max = 0;
    for (const s of steps) {
      const h = s.outputs[ssm.name]!.data;
      for (let i = offset; i < offset + E * N; i++) max = Math.max(max, Math.abs(h[i]!));
    }
    drawHeatmap(canvas, step.outputs[ssm.name]!.data, offset, E, N, { min: -max, max }, 'diverging');
    canvas.dataset.step = String(at);
    canvas.dataset.layer = String(layer);
    canvas.setAttribute('aria-label', t(this.uiLang, 'poem.stateLabel', { layer: layerName, char: this.label(at), step: at + 1 }));
    if (this.el('state-readout').textContent) this.readState();
    this.el('state-hint').textContent = t(this.uiLang, 'poem.stateHint', { rows: E, cols: N, count: (N * E).toLocaleString(this.locale()), max: formatValue(max) });
  }

  /** The state map reads out the value under the pointer, or under a cursor the arrow keys move. */
  private wireStateReadout(): void {
    const canvas = this.el<HTMLCanvasElement>('state');
    const { channels: E, dState: N } = this.layout;
    const point = (e: PointerEvent) => {
      const box = canvas.getBoundingClientRect();
      this.stateCursor = cellAt(e.clientX - box.left, e.clientY - box.top, box.width, box.height, N, E);
      this.readState();
    };
    canvas.addEventListener('pointermove', point);
    canvas.addEventListener('pointerdown', point);
    canvas.addEventListener('focus', () => this.readState());
    canvas.addEventListener('keydown', (e) => {
      const next = moveCursor(this.stateCursor, e.key, N, E);
      if (!next) return;
      e.preventDefault();
      this.stateCursor = next;
      this.readState();
    });
  }

  private readState(): void {
    const out = this.el('state-readout');
    const at = Number(this.el('state').dataset.step);
    const step = this.rec?.steps[at];
    if (!step) return;
    const { ssm, channels: E, dState: N } = this.layout;
    const { step: entry, channel } = this.stateCursor;
    const value = step.outputs[ssm.name]!.data[this.layer() * E * N + channel * N + entry]!;
    out.textContent = t(this.uiLang, 'poem.stateCell', { channel: channel + 1, entry: entry + 1, value: formatValue(value) });
  }

  /** Δ of the chosen layer for every token read up to the shown step, the shown one outlined. */
  private renderDelta(at: number): void {
    const root = this.el('delta');
    const { delta, channels: E } = this.layout;
    const steps = this.rec!.steps.slice(0, at + 1);
    // Hidden, not emptied: the viewer keeps its parts (and the reader's cursor) for the next text.
    root.hidden = !steps.length;
    if (!steps.length) return;
    const layer = this.layer();
    const data = new Float32Array(steps.length * E);
    steps.forEach((s, i) => data.set(s.outputs[delta.name]!.data.subarray(layer * E, (layer + 1) * E), i * E));
    const labels = steps.map((s) => this.label(s.index));
    renderSequenceHeatmap(root, {
      data, steps: steps.length, channels: E, labels, marked: [at], labelLang: 'zh-CN',
      name: t(this.uiLang, 'poem.deltaName', { layer: t(this.uiLang, 'translator.layerN', { n: layer + 1 }) }),
      describe: (step, channel, value) => t(this.uiLang, 'poem.deltaCell', { char: labels[step] ?? '', step: step + 1, channel: channel + 1, value: formatValue(value) }),
    });
    root.dataset.steps = String(steps.length);
    root.dataset.layer = String(layer);
  }

  /** The state's fixed size beside the 2 × layers × d_model × t numbers of a Transformer's key/value cache. */
  private renderMemory(tokens: number): void {
    const { stateFloats, layers, dModel } = this.layout;
    const kv = 2 * layers * dModel * tokens;
    const most = Math.max(stateFloats, kv);
    const format = (n: number) => n.toLocaleString(this.locale());
    this.el('memory-state').style.width = `${((stateFloats / most) * 100).toFixed(1)}%`;
    this.el('memory-kv').style.width = `${((kv / most) * 100).toFixed(1)}%`;
    this.el('memory-state-value').textContent = format(stateFloats);
    this.el('memory-kv-value').textContent = format(kv);
    this.el('memory').dataset.kv = String(kv);
    this.el('memory-note').textContent = t(this.uiLang, 'poem.memoryNote', {
      t: tokens, state: format(stateFloats), dModel, layers, kv: format(kv), ratio: (kv / stateFloats).toFixed(kv < stateFloats ? 2 : 1),
    });
  }

  private locale(): string {
    return this.uiLang === 'zh' ? 'zh-CN' : 'en';
  }
}

export function definePoemGenerator(): void {
  if (!customElements.get('na-poem-generator')) customElements.define('na-poem-generator', PoemGenerator);
}
