/** Greedy decoding and beam search against distributions whose best sequences are known by hand. */
import { describe, expect, it } from 'vitest';
import { beamDecode, greedyDecode, softmax, type NextLogits } from '../../src/lib/generate/seq2seq';

const BOS = 0;
const EOS = 1;
const A = 2;
const B = 3;

/** A "model" given as next-token probabilities per prefix (after BOS), as logits. */
function table(probs: Record<string, number[]>): { next: NextLogits; calls: number[][][] } {
  const calls: number[][][] = [];
  const next: NextLogits = async (prefixes) => {
    calls.push(prefixes.map((p) => [...p]));
    return prefixes.map((p) => {
      const row = probs[p.slice(1).join(',')];
      if (!row) throw new Error(`no distribution for prefix ${p.join(',')}`);
      return Float32Array.from(row, Math.log);
    });
  };
  return { next, calls };
}

// Greedy takes A (0.6) and then EOS (0.4): P = 0.24. B then EOS has P = 0.4 · 0.9 = 0.36.
const trap = { '': [0, 0, 0.6, 0.4], [`${A}`]: [0, 0.4, 0.3, 0.3], [`${B}`]: [0, 0.9, 0.05, 0.05] };

describe('decoding', () => {
  it('softmax turns logits into probabilities', () => {
    const p = softmax([Math.log(1), Math.log(3)]);
    expect(p[0]).toBeCloseTo(0.25, 6);
    expect(p[1]).toBeCloseTo(0.75, 6);
  });

  it('greedy decoding takes the most probable token each step and ends at EOS', async () => {
    const { next, calls } = table(trap);
    const steps: number[] = [];
    const result = await greedyDecode(next, { bos: BOS, eos: EOS, maxLen: 10, onStep: (s) => void steps.push(s.chosen) });
    expect(result.tokens).toEqual([BOS, A, EOS]);
    expect(steps).toEqual([A, EOS]);
    expect(calls).toEqual([[[BOS]], [[BOS, A]]]);
    expect(result.steps[0]!.probs[A]).toBeCloseTo(0.6, 6);
    expect(result.stopped).toBe(false);
  });

  it('greedy decoding ends at the length limit without EOS', async () => {
    const { next } = table({ '': [0, 0, 1, 0], [`${A}`]: [0, 0, 1, 0], [`${A},${A}`]: [0, 0, 1, 0] });
    const result = await greedyDecode(next, { bos: BOS, eos: EOS, maxLen: 4 });
    expect(result.tokens).toEqual([BOS, A, A, A]);
  });

  it('a stop ends greedy decoding between two steps', async () => {
    const controller = new AbortController();
    const { next, calls } = table({ '': [0, 0, 1, 0], [`${A}`]: [0, 0, 1, 0], [`${A},${A}`]: [0, 0, 1, 0] });
    const result = await greedyDecode(next, {
      bos: BOS, eos: EOS, maxLen: 10, signal: controller.signal,
      onStep: (s) => { if (s.index === 1) controller.abort(); },
    });
    expect(result.stopped).toBe(true);
    expect(calls).toHaveLength(2);
    expect(result.tokens).toEqual([BOS, A, A]);
  });

  it('beam search of width 2 finds the more probable sequence greedy misses', async () => {
    const { next } = table(trap);
    const widths: number[] = [];
    const result = await beamDecode(next, { bos: BOS, eos: EOS, maxLen: 10, width: 2, onStep: (s) => void widths.push(s.beams.length) });
    expect(result.best.tokens).toEqual([BOS, B, EOS]);
    expect(result.best.score).toBeCloseTo(Math.log(0.36), 5);
    // Second best: A then EOS.
    expect(result.beams[1]!.tokens).toEqual([BOS, A, EOS]);
    expect(result.beams[1]!.score).toBeCloseTo(Math.log(0.24), 5);
    expect(widths).toEqual([2, 2]);
  });

  it('beam search of width 1 is greedy decoding', async () => {
    const { next } = table(trap);
    const result = await beamDecode(next, { bos: BOS, eos: EOS, maxLen: 10, width: 1 });
    expect(result.best.tokens).toEqual([BOS, A, EOS]);
  });
});
