/**
 * Decoding a sequence one token at a time, as the Transformer's decoder does: the prefix so far goes in,
 * a distribution over the next token comes out. Greedy decoding keeps the single most probable token;
 * beam search keeps the `width` most probable prefixes. Both run through the runtime's loop helper, so
 * the page stays responsive, every step is reported, and a Stop ends the loop between two runs.
 *
 * The model is hidden behind `next`: one row of logits per prefix. That keeps this module testable
 * with a known distribution and usable by any decoder graph.
 */
import { runLoop } from '../runtime';
import { softmax } from '../text/mlm';

// One softmax for every model's logits (src/lib/text/mlm.ts), re-exported for the translator.
export { softmax };

/** Next-token logits (one Float32Array of vocabulary size per prefix) for a batch of prefixes. */
export type NextLogits = (prefixes: number[][], signal?: AbortSignal) => Promise<Float32Array[]>;

export interface DecodeOptions {
  bos: number;
  eos: number;
  /** Most tokens a result may hold, BOS and EOS included. */
  maxLen: number;
  signal?: AbortSignal;
}

function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

export interface GreedyStep {
  /** 0 for the first generated token. */
  index: number;
  /** The prefix after this step, BOS first. */
  tokens: number[];
  /** The next-token distribution this step chose from. */
  probs: ArrayLike<number>;
  chosen: number;
}

export interface GreedyResult {
  tokens: number[];
  steps: GreedyStep[];
  /** True when a Stop ended decoding before EOS or the length limit. */
  stopped: boolean;
}

/** Greedy decoding: at each step append the most probable next token, until EOS or maxLen tokens. */
export async function greedyDecode(
  next: NextLogits,
  opts: DecodeOptions & { onStep?: (step: GreedyStep) => void | Promise<void> },
): Promise<GreedyResult> {
  let tokens = [opts.bos];
  const { values, stopped } = await runLoop<GreedyStep>({
    total: opts.maxLen - 1,
    signal: opts.signal,
    step: async (index, signal) => {
      const [logits] = await next([tokens], signal);
      const probs = softmax(logits!);
      const chosen = argmax(probs);
      tokens = [...tokens, chosen];
      return { index, tokens, probs, chosen };
    },
    onStep: ({ value }) => opts.onStep?.(value),
    until: (step) => step.chosen === opts.eos,
  });
  return { tokens, steps: values, stopped };
}

export interface Beam {
  /** BOS first; EOS last once finished. */
  tokens: number[];
  /** Sum of the log-probabilities of the generated tokens. */
  score: number;
  done: boolean;
}

export interface BeamStep {
  index: number;
  /** The kept beams after this step, best first. */
  beams: Beam[];
}

export interface BeamResult {
  best: Beam;
  beams: Beam[];
  steps: BeamStep[];
  stopped: boolean;
}

/** Beam search: every step extends each unfinished beam by every token, and keeps the `width` highest
 * scores among those extensions and the finished beams. Ends when all kept beams are finished. */
export async function beamDecode(
  next: NextLogits,
  opts: DecodeOptions & { width: number; onStep?: (step: BeamStep) => void | Promise<void> },
): Promise<BeamResult> {
  let beams: Beam[] = [{ tokens: [opts.bos], score: 0, done: false }];
  const { values, stopped } = await runLoop<BeamStep>({
    total: opts.maxLen - 1,
    signal: opts.signal,
    step: async (index, signal) => {
      const open = beams.filter((b) => !b.done);
      const logits = await next(open.map((b) => b.tokens), signal);
      const candidates = beams.filter((b) => b.done);
      open.forEach((beam, i) => {
        const probs = softmax(logits[i]!);
        probs.forEach((p, token) => {
          candidates.push({ tokens: [...beam.tokens, token], score: beam.score + Math.log(p), done: token === opts.eos });
        });
      });
      beams = candidates.sort((a, b) => b.score - a.score).slice(0, opts.width);
      return { index, beams };
    },
    onStep: ({ value }) => opts.onStep?.(value),
    until: (step) => step.beams.every((b) => b.done),
  });
  const finished = beams.filter((b) => b.done);
  return { best: (finished.length ? finished : beams)[0]!, beams, steps: values, stopped };
}
