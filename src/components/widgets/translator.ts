/**
 * <na-translator>: an encoder–decoder translating numbers between Chinese and English. The encoder runs
 * once on the source; the decoder then writes the translation a token at a time (greedy, or beam search
 * of width 4) through the shared decoders of lib/generate, which the reader can step, play and stop.
 * Shown: the source and output tokens, the next-token probabilities at a chosen step, the beams and their
 * scores, and every attention map the card lists, for any layer and head. Everything it knows about the
 * model comes from the card embedded by Translator.astro.
 */
import { t } from '../../i18n';
import { beamDecode, greedyDecode, softmax, type BeamStep, type NextLogits } from '../../lib/generate/seq2seq';
import { decode } from '../../lib/input/tokens';
import { pause, type Feed, type Provider, type Tensor } from '../../lib/runtime';
import { renderAttentionMap } from '../../lib/viz/attention-map';
import { renderProbBars } from '../../lib/viz/prob-bars';
import { renderTokenStrip } from '../../lib/viz/token-strip';
import { ModelWidget, type Feeds, type InputContext } from './parts/model-widget';
import { attentionAxes, attentionGroups, headSlice, seq2seqOf, tokensAlong, type AttentionGroup, type Seq2SeqSpec } from './translator-card';
import { TranslatorInput, other, type TextLang } from './translator-input';

const BEAM_WIDTH = 4;
/** Pause after each newly decoded token while playing, so that the reader sees the steps go by. */
const PACE_MS = 150;
const TOP_K = 5;

type Mode = 'greedy' | 'beam';

/** The decoder's outputs for one prefix: its next-token logits and its attention maps (batch of one). */
interface Row {
  logits: Float32Array;
  maps: Record<string, Tensor>;
}

interface Decoding {
  mode: Mode;
  /** The result so far, BOS first: the greedy tokens, or the best beam. */
  tokens: number[];
  /** Beam search: the kept beams after each step. */
  beams: BeamStep[];
  steps: number;
  done: boolean;
}

const keyOf = (ids: readonly number[]) => ids.join(',');
const langTag = (lang: TextLang) => (lang === 'zh' ? 'zh-CN' : 'en');

/** One row (batch index `b`) of a batched output, as a tensor of batch one. */
function rowOf(tensor: Tensor, batchAxis: number, b: number): Tensor {
  if (batchAxis !== 0) throw new Error('attention maps are expected with the batch first');
  const size = tensor.data.length / tensor.dims[0]!;
  return { dims: [1, ...tensor.dims.slice(1)], data: tensor.data.slice(b * size, (b + 1) * size) };
}

class Translator extends ModelWidget<TranslatorInput> {
  private spec!: Seq2SeqSpec;
  private groups: AttentionGroup[] = [];
  /** What the next draw does: a whole decode (new input, new mode, backend, Play) or one more step. */
  private action: 'play' | 'step' = 'play';
  private src: number[] = [];
  private to: TextLang = 'en';
  private encoderOut: Record<string, Tensor> = {};
  /** Decoder inputs other than the prefix: the source ids and the encoder's outputs, by name. */
  private fixed: Feeds = {};
  /** Decoder outputs per prefix for the current source and backend: a step, replayed, need not run again. */
  private rows = new Map<string, Row>();
  private rowsOn: { source: string; provider: Provider } | null = null;
  private decoding: Decoding | null = null;
  /** The step whose probabilities (and beams) are shown, 0 for the first generated token. */
  private chosen = 0;
  private decoderMs = 0;
  private decoderRuns = 0;

  protected createInput(ctx: InputContext): TranslatorInput {
    this.spec = seq2seqOf(ctx.card);
    return new TranslatorInput(ctx);
  }

  protected graphsOf(): string[] {
    return [this.spec.encoder.name, this.spec.decoder.name];
  }

  protected setup(): void {
    this.groups = attentionGroups([this.spec.encoder, this.spec.decoder]);
    const run = (action: 'play' | 'step') => () => {
      this.action = action;
      // A text typed but not yet submitted is what the reader means to decode.
      const taken = this.inputs.takeChanged();
      if (taken === 'same') this.refresh();
      else if (taken === 'bad') this.action = 'play';
    };
    this.el('step').addEventListener('click', run('step'));
    this.el('play').addEventListener('click', run('play'));
    this.el('mode').addEventListener('change', run('play'));
    this.el('swap').addEventListener('click', () => {
      const d = this.decoding;
      if (d?.done) this.inputs.use(decode(this.inputs.vocab, d.tokens, this.to));
    });
    this.el('kind').addEventListener('change', () => {
      this.fillLayers();
      this.renderAttention();
    });
    for (const part of ['layer', 'head']) this.el(part).addEventListener('change', () => this.renderAttention());
    this.fillLayers();
  }

  private fillLayers(): void {
    const layer = this.el<HTMLSelectElement>('layer');
    const group = this.group();
    const was = layer.selectedIndex;
    layer.replaceChildren(
      ...group.layers.map((o, i) => {
        const option = new Option(t(this.uiLang, 'translator.layerN', { n: i + 1 }), o.name);
        option.title = o.label[this.uiLang];
        return option;
      }),
    );
    layer.selectedIndex = Math.max(0, Math.min(was, group.layers.length - 1));
  }

  private group(): AttentionGroup {
    const stem = this.el<HTMLSelectElement>('kind').value;
    return this.groups.find((g) => g.stem === stem) ?? this.groups[0]!;
  }

  protected async draw(feeds: Feeds): Promise<number> {
    const action = this.action;
    this.action = 'play';
    const { encoder, decoder, source, prefix } = this.spec;
    const vocab = this.inputs.vocab;
    this.src = Array.from(feeds[source.name]!.data as BigInt64Array | Int32Array, Number);
    this.to = this.src[0] === vocab.special.to_en ? 'en' : 'zh';

    const enc = await this.runModel(0, feeds, encoder.outputs.map((o) => o.name), encoder.name);
    this.encoderOut = enc.outputs;
    const on = { source: keyOf(this.src), provider: enc.provider };
    if (this.rowsOn?.source !== on.source || this.rowsOn.provider !== on.provider) {
      // Another source, or another backend whose numbers may differ in the last digits: decode afresh.
      this.rows.clear();
      if (this.rowsOn?.source !== on.source) this.decoding = null;
      this.rowsOn = on;
    }
    this.fixed = Object.fromEntries(
      decoder.inputs.filter((i) => i.name !== prefix.name).map((i): [string, Feed] => {
        const out = enc.outputs[i.name];
        return [i.name, feeds[i.name] ?? { dtype: 'float32', dims: out!.dims, data: out!.data }];
      }),
    );

    const mode: Mode = this.el<HTMLSelectElement>('mode').value === 'beam' ? 'beam' : 'greedy';
    const last = this.decoding;
    const going = last && last.mode === mode && !last.done ? last : null;
    // Steps already on screen are replayed from the stored rows without a pause; Step adds one more.
    const shown = going?.steps ?? 0;
    const limit = vocab.max_len;
    const maxLen = action === 'step' ? Math.min(shown + 2, limit) : limit;
    this.decoderMs = 0;
    this.decoderRuns = 0;
    this.showMode(mode);
    if (!going) {
      this.decoding = { mode, tokens: [vocab.special.bos!], beams: [], steps: 0, done: false };
      this.chosen = 0;
      this.render();
    }

    const pace = async (index: number, done: boolean, signal: AbortSignal) => {
      this.chosen = index;
      this.render();
      if (action === 'play' && index >= shown && !done) await pause(PACE_MS, signal);
    };
    const opts = { bos: vocab.special.bos!, eos: vocab.special.eos!, maxLen };
    await this.stoppable(async (signal) => {
      if (mode === 'greedy') {
        await greedyDecode(this.next, {
          ...opts, signal,
          onStep: (s) => {
            const done = s.chosen === opts.eos || s.tokens.length >= limit;
            this.decoding = { mode, tokens: s.tokens, beams: [], steps: s.index + 1, done };
            return pace(s.index, done, signal);
          },
        });
      } else {
        const beams: BeamStep[] = [];
        const result = await beamDecode(this.next, {
          ...opts, signal, width: BEAM_WIDTH,
          onStep: (s) => {
            beams.push(s);
            const done = s.beams.every((b) => b.done) || s.beams[0]!.tokens.length >= limit;
            this.decoding = { mode, tokens: s.beams[0]!.tokens, beams: [...beams], steps: s.index + 1, done };
            return pace(s.index, done, signal);
          },
        });
        // The best finished beam, which after the last step need not be the top-scoring open one.
        if (this.decoding?.done) this.decoding.tokens = result.best.tokens;
      }
    });
    this.render();
    if (this.decoderRuns) {
      const perToken = this.decoderMs / this.decoderRuns;
      this.dataset.msPerToken = perToken.toFixed(3);
      this.el('stats').textContent = t(this.uiLang, 'translator.stats', {
        runs: this.decoderRuns, ms: perToken.toFixed(2), provider: t(this.uiLang, enc.provider === 'webgpu' ? 'widget.provider.webgpu' : 'widget.provider.wasm'),
      });
    }
    return enc.ms + this.decoderMs;
  }

  /** Next-token logits for a batch of prefixes (all of one length): the stored rows, or one decoder run
   * on all prefixes, whose every row (logits and attention maps) is stored. */
  private next: NextLogits = async (prefixes) => {
    if (prefixes.some((p) => !this.rows.has(keyOf(p)))) {
      const { decoder, prefix, logits } = this.spec;
      const ids = prefixes.flat();
      const tgt: Feed = {
        dtype: prefix.dtype,
        dims: [prefixes.length, prefixes[0]!.length],
        data: prefix.dtype === 'int64' ? BigInt64Array.from(ids, BigInt) : Int32Array.from(ids),
      };
      const maps = decoder.outputs.filter((o) => o.role === 'attention');
      const result = await this.runModel(0, { ...this.fixed, [prefix.name]: tgt }, [logits.name, ...maps.map((o) => o.name)], decoder.name);
      this.decoderMs += result.ms;
      this.decoderRuns += 1;
      const out = result.outputs[logits.name]!;
      const width = out.dims[1]!;
      prefixes.forEach((p, b) => {
        this.rows.set(keyOf(p), {
          logits: out.data.slice(b * width, (b + 1) * width),
          maps: Object.fromEntries(maps.map((o) => [o.name, rowOf(result.outputs[o.name]!, attentionAxes(o).batch, b)])),
        });
      });
    }
    return prefixes.map((p) => this.rows.get(keyOf(p))!.logits);
  };

  private showMode(mode: Mode): void {
    this.el('beam-box').hidden = mode !== 'beam';
  }

  private render(): void {
    const vocab = this.inputs.vocab;
    const special = new Set(Object.values(vocab.special));
    const label = (id: number) => vocab.tokens[id] ?? String(id);
    const marks = (ids: number[]) => new Set(ids.flatMap((id, i) => (special.has(id) ? [i] : [])));
    renderTokenStrip(this.el('source'), this.src.map(label), { special: marks(this.src) });
    this.el('source').lang = langTag(other(this.to));

    const d = this.decoding;
    const generated = d ? d.tokens.slice(1) : [];
    this.chosen = Math.min(this.chosen, Math.max(0, generated.length - 1));
    renderTokenStrip(this.el('output'), generated.map(label), {
      current: generated.length ? this.chosen : undefined,
      special: marks(generated),
      onChoose: (i) => {
        this.chosen = i;
        this.render();
      },
    });
    this.el('output').lang = langTag(this.to);
    const translation = this.el('translation');
    translation.lang = langTag(this.to);
    translation.textContent = d && generated.length ? decode(vocab, d.tokens, this.to) : t(this.uiLang, 'translator.noOutput');
    this.dataset.tokens = String(generated.length);
    this.dataset.done = String(!!d?.done);
    this.el<HTMLButtonElement>('swap').disabled = !d?.done;
    this.renderStep();
    this.renderAttention();
  }

  /** The distribution the chosen token was picked from, and for beam search the beams after that step. */
  private renderStep(): void {
    const d = this.decoding;
    const row = d && d.steps ? this.rows.get(keyOf(d.tokens.slice(0, this.chosen + 1))) : undefined;
    const step = this.chosen + 1;
    this.el('probs-title').textContent = t(this.uiLang, 'translator.probs', { step });
    const bars = this.el<HTMLOListElement>('probs');
    if (row) renderProbBars(bars, softmax(row.logits), this.inputs.vocab.tokens, TOP_K);
    else bars.replaceChildren();
    const beams = d?.mode === 'beam' ? d.beams[this.chosen]?.beams ?? [] : [];
    this.el('beams-title').textContent = t(this.uiLang, 'translator.beams', { step });
    this.el<HTMLTableElement>('beams').tBodies[0]!.replaceChildren(
      ...beams.map((b, rank) => {
        const tr = document.createElement('tr');
        tr.dataset.score = String(b.score);
        tr.dataset.done = String(b.done);
        // Tokens rather than text: a beam may hold special tokens, which the text would hide.
        const cells = [
          String(rank + 1),
          b.tokens.slice(1).map((id) => this.inputs.vocab.tokens[id] ?? String(id)).join(' '),
          b.score.toFixed(3),
          b.done ? t(this.uiLang, 'translator.beamDone') : '',
        ];
        cells.forEach((text, i) => {
          const td = document.createElement('td');
          td.textContent = text;
          if (i === 1) td.lang = langTag(this.to);
          tr.append(td);
        });
        return tr;
      }),
    );
  }

  /** The chosen map: encoder maps from the encoder run, decoder maps from the run on the last prefix fed
   * (the result without its last token), so each decoder row is the step that wrote the next token. */
  private renderAttention(): void {
    const map = this.el('attention');
    const caption = this.el('attention-caption');
    const o = this.group().layers.find((x) => x.name === this.el<HTMLSelectElement>('layer').value) ?? this.group().layers[0]!;
    const graph = this.group().graph === this.spec.encoder.name ? this.spec.encoder : this.spec.decoder;
    const fed = this.decoding && this.decoding.steps ? this.decoding.tokens.slice(0, -1) : null;
    const tensor = graph === this.spec.encoder ? this.encoderOut[o.name] : fed && this.rows.get(keyOf(fed))?.maps[o.name];
    const head = Number(this.el<HTMLSelectElement>('head').value);
    if (!tensor) {
      map.replaceChildren();
      delete map.dataset.output;
      caption.textContent = t(this.uiLang, 'translator.noDecoderMap');
      return;
    }
    const axes = attentionAxes(o);
    const ids = (axis: number) => {
      const input = tokensAlong(graph, o.shape[axis]);
      const seq = input?.name === this.spec.source.name ? this.src : fed ?? [];
      return seq.map((id) => this.inputs.vocab.tokens[id] ?? String(id));
    };
    const rows = tensor.dims[axes.query]!;
    const cols = tensor.dims[axes.key]!;
    const rowLabels = ids(axes.query);
    const colLabels = ids(axes.key);
    const weights = headSlice(tensor, axes, head);
    const name = `${o.label[this.uiLang]}, ${t(this.uiLang, 'translator.headN', { n: head + 1 })}`;
    caption.textContent = t(this.uiLang, 'translator.attentionCaption', { map: o.label[this.uiLang], head: head + 1, rows, cols });
    renderAttentionMap(map, {
      weights, rows, cols, rowLabels, colLabels, label: name,
      describe: (r, c, w) => t(this.uiLang, 'translator.cell', { query: rowLabels[r] ?? '', key: colLabels[c] ?? '', weight: w.toFixed(3) }),
    });
    map.dataset.output = o.name;
    map.dataset.head = String(head);
  }
}

export function defineTranslator(): void {
  if (!customElements.get('na-translator')) customElements.define('na-translator', Translator);
}
