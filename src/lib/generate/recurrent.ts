/**
 * Generating text with a recurrent step graph, one token per run, as training/mamba.py's `greedy` does:
 * the states start at zero; every run reads one token and the states the run before left behind, and gives
 * the next token's logits and the new states. The prompt is read first, token by token (its next token is
 * known); from its last token on, each run's logits choose the next token — the most probable one (greedy),
 * or a draw from softmax(logits / temperature) with a seeded generator — which the following run reads.
 * The work per token is the same however long the text grows: the states have a fixed size.
 *
 * Every run goes through the runtime's loop helper, so the page stays responsive, each run is reported
 * (the token read, the distribution, the choice, the states and any other outputs asked for) and a Stop
 * ends the loop between two runs. A Recurrence keeps its states, so a later `advance` carries on where
 * the last one stopped (the widget's Step and Play).
 *
 * The graph is hidden behind `run` (feeds in, named outputs out), so this module runs with
 * onnxruntime-web in the page, onnxruntime-node in the tests, or a made-up recurrence.
 */
import { runLoop, type Feed, type Tensor } from '../runtime';
import { mulberry32 } from '../input/noise';
import { softmax } from '../text/mlm';

/** A state input of the step graph and the output whose value it takes at the next run. */
export interface StateWire {
  input: string;
  from: string;
  dims: readonly number[];
}

/** How a step graph is wired: the names `run` is called with. */
export interface RecurrentSpec {
  /** The token input, one id per run (its dims multiply to 1, e.g. [1]). */
  token: { name: string; dtype: 'int64' | 'int32'; dims: readonly number[] };
  /** Every state input: zeros at the first run, then the output `from` of the run before. */
  states: readonly StateWire[];
  /** The next-token logits, one row of vocabulary size. */
  logits: string;
  /** Further outputs to fetch and report with every run (Δ, …). */
  report?: readonly string[];
}

/** One run of the step graph: the outputs named in `fetches` for `feeds`. It should refuse to start once
 * `signal` is aborted (throwing an abort), as the runtime's `run` does. */
export type RunStep = (feeds: Record<string, Feed>, fetches: string[], signal?: AbortSignal) => Promise<Record<string, Tensor>>;

export type Decoding = { method: 'greedy' } | { method: 'sample'; temperature: number; seed: number };

export interface RecurrentStep {
  /** 0 for the run that read the prompt's first token. */
  index: number;
  /** The token this run read. */
  token: number;
  /** Whether that token came from the prompt (else the model chose it). */
  fromPrompt: boolean;
  /** The next token's distribution: softmax(logits / temperature); greedy decoding takes temperature 1. */
  probs: Float64Array;
  /** The token after this one: the prompt's next token, or the model's choice. */
  next: number;
  /** Whether `next` was chosen by the model (false while the prompt is read). */
  chosen: boolean;
  /** What the run fetched, by output name: the logits, the new states and the reported outputs. */
  outputs: Record<string, Tensor>;
}

export interface AdvanceOptions {
  run: RunStep;
  /** The most runs this call makes (default: until the recurrence is done). */
  runs?: number;
  signal?: AbortSignal;
  /** Called after every run (to draw it); awaited before the next. */
  onStep?: (step: RecurrentStep) => void | Promise<void>;
}

function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

/** The token where the cumulative probability first exceeds u (u in [0, 1)); the last token with any
 * probability when rounding leaves the sum just below u. */
export function drawToken(probs: ArrayLike<number>, u: number): number {
  let sum = 0;
  let last = 0;
  for (let i = 0; i < probs.length; i++) {
    if (probs[i]! > 0) last = i;
    sum += probs[i]!;
    if (u < sum) return i;
  }
  return last;
}

export class Recurrence {
  /** The prompt's tokens, then every token the model chose. */
  readonly tokens: number[];
  /** Every run so far, in order. */
  readonly steps: RecurrentStep[] = [];
  readonly promptLength: number;
  private readonly spec: RecurrentSpec;
  private readonly decoding: Decoding;
  private readonly maxNew: number;
  private readonly end: number | undefined;
  private readonly random: (() => number) | null;
  private states: Record<string, Float32Array>;

  /** `prompt`: the tokens read first (BOS included, if the model wants one), at least one; `maxNew`: the
   * most tokens the model chooses; `end`: a token that ends the text once the model chooses it (the poem
   * model's <s>, which begins another poem), as training/mamba.py's greedy stops. */
  constructor(spec: RecurrentSpec, prompt: readonly number[], decoding: Decoding, maxNew: number, end?: number) {
    if (!prompt.length) throw new RangeError('a recurrence needs at least one prompt token to read');
    if (!Number.isInteger(maxNew) || maxNew < 1) throw new RangeError(`maxNew must be a whole number ≥ 1, not ${maxNew}`);
    if (decoding.method === 'sample' && !(decoding.temperature > 0)) throw new RangeError(`the temperature must be above 0, not ${decoding.temperature}`);
    if (spec.token.dims.reduce((a, b) => a * b, 1) !== 1) throw new RangeError(`token input ${spec.token.name} must hold one id, not [${spec.token.dims.join(', ')}]`);
    this.spec = spec;
    this.tokens = [...prompt];
    this.promptLength = prompt.length;
    this.decoding = decoding;
    this.maxNew = maxNew;
    this.end = end;
    this.random = decoding.method === 'sample' ? mulberry32(decoding.seed) : null;
    this.states = Object.fromEntries(spec.states.map((s) => [s.input, new Float32Array(s.dims.reduce((a, b) => a * b, 1))]));
  }

  /** Tokens the model has chosen so far. */
  get generated(): number {
    return this.tokens.length - this.promptLength;
  }

  /** Whether the model chose the end token. */
  get ended(): boolean {
    return this.generated > 0 && this.tokens[this.tokens.length - 1] === this.end;
  }

  /** Runs left: every prompt token is read, and every chosen token but the last; none once it ended. */
  get remaining(): number {
    return this.ended ? 0 : this.promptLength + this.maxNew - 1 - this.steps.length;
  }

  get done(): boolean {
    return this.remaining === 0;
  }

  /** Runs the step graph up to `runs` times (or until done), each run reading the next token. Returns
   * whether a Stop ended it early. */
  async advance(opts: AdvanceOptions): Promise<{ stopped: boolean }> {
    const { spec } = this;
    const fetches = [...new Set([spec.logits, ...spec.states.map((s) => s.from), ...(spec.report ?? [])])];
    const { stopped } = await runLoop<RecurrentStep>({
      total: Math.min(opts.runs ?? Infinity, this.remaining),
      signal: opts.signal,
      step: async (_, signal) => {
        const index = this.steps.length;
        const token = this.tokens[index]!;
        const feeds: Record<string, Feed> = {
          [spec.token.name]: { dtype: spec.token.dtype, dims: spec.token.dims, data: spec.token.dtype === 'int64' ? BigInt64Array.of(BigInt(token)) : Int32Array.of(token) },
        };
        for (const s of spec.states) feeds[s.input] = { dtype: 'float32', dims: s.dims, data: this.states[s.input]! };
        const outputs = await opts.run(feeds, fetches, signal);
        const logits = outputs[spec.logits];
        if (!logits) throw new Error(`the step graph returned no ${spec.logits}`);
        const states: Record<string, Float32Array> = {};
        for (const s of spec.states) {
          const out = outputs[s.from];
          if (!out || out.data.length !== this.states[s.input]!.length) throw new Error(`the step graph's ${s.from} does not fit its state input ${s.input}`);
          states[s.input] = out.data;
        }
        const chosen = index >= this.promptLength - 1;
        const { probs, next } = this.choose(logits.data, chosen ? null : this.tokens[index + 1]!);
        // Only a completed run moves the recurrence on: a run stopped half-way leaves it as it was.
        this.states = states;
        if (chosen) this.tokens.push(next);
        const step: RecurrentStep = { index, token, fromPrompt: index < this.promptLength, probs, next, chosen, outputs };
        this.steps.push(step);
        return step;
      },
      onStep: ({ value }) => opts.onStep?.(value),
      until: (step) => step.chosen && step.next === this.end,
    });
    return { stopped };
  }

  /** The distribution over the next token, and the token: `forced` while the prompt is read, else the
   * argmax of the logits (greedy, as torch's argmax: the first of equal values) or a seeded draw. */
  private choose(logits: Float32Array, forced: number | null): { probs: Float64Array; next: number } {
    const d = this.decoding;
    const probs = d.method === 'sample' ? softmax(Float64Array.from(logits, (l) => l / d.temperature)) : softmax(logits);
    if (forced !== null) return { probs, next: forced };
    return { probs, next: this.random ? drawToken(probs, this.random()) : argmax(logits) };
  }
}
