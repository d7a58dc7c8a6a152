/** Generation over a recurrent step graph (src/lib/generate/recurrent.ts): first with a made-up recurrence
 * whose every token is known by hand, then with the shipped Mamba step graph under onnxruntime-node, which
 * must write for every shipped prompt exactly the characters PyTorch wrote greedily (samples.json). */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { parseCard } from '../../src/lib/card/parse';
import { Recurrence, drawToken, type RecurrentSpec, type RunStep } from '../../src/lib/generate/recurrent';
import { mulberry32 } from '../../src/lib/input/noise';
import type { Feed, Tensor } from '../../src/lib/runtime';
import { encodePrompt, parseCharVocab, poemLayout } from '../../src/components/widgets/poem-card';

const V = 4;
const spec: RecurrentSpec = {
  token: { name: 'ids', dtype: 'int64', dims: [1] },
  states: [{ input: 'h', from: 'h_next', dims: [1, 1] }],
  logits: 'logits',
  report: ['seen'],
};

/**
 * h' = h + token + 1; the logits favour token h' mod 4 (logit 5, the others 0), unless `flat`. `seen`
 * echoes the token read. The fake checks that every run gets the state the run before returned.
 */
function fake(flat = false) {
  const calls: { token: number; h: number; fetches: string[] }[] = [];
  let last = 0;
  const run: RunStep = async (feeds: Record<string, Feed>, fetches) => {
    const token = Number((feeds.ids!.data as BigInt64Array)[0]);
    const h = (feeds.h!.data as Float32Array)[0]!;
    expect(h, 'the state the previous run returned').toBe(last);
    expect(feeds.h!.dims).toEqual([1, 1]);
    calls.push({ token, h, fetches });
    const next = h + token + 1;
    last = next;
    const logits = new Float32Array(V);
    if (!flat) logits[next % V] = 5;
    const out = (data: Float32Array): Tensor => ({ dims: [1, data.length], data });
    return { logits: out(logits), h_next: out(Float32Array.of(next)), seen: out(Float32Array.of(token)) };
  };
  return { run, calls };
}

// Prompt [0, 2]: h 1 (next is the prompt's 2), then h 4 → 0, h 5 → 1, h 7 → 3, h 11 → 3.
const PROMPT = [0, 2];
const ANSWER = [0, 1, 3, 3];

describe('recurrent generation', () => {
  it('reads the prompt token by token from zero states, then writes the most probable token each run', async () => {
    const { run, calls } = fake();
    const rec = new Recurrence(spec, PROMPT, { method: 'greedy' }, ANSWER.length);
    const seen: number[] = [];
    const { stopped } = await rec.advance({ run, onStep: (s) => void seen.push(s.token) });
    expect(stopped).toBe(false);
    expect(rec.tokens).toEqual([...PROMPT, ...ANSWER]);
    expect(rec.generated).toBe(ANSWER.length);
    expect(rec.done).toBe(true);
    // The last chosen token is not read: prompt + new − 1 runs.
    expect(calls.map((c) => c.token)).toEqual([0, 2, 0, 1, 3]);
    expect(calls.map((c) => c.h)).toEqual([0, 1, 4, 5, 7]);
    expect(seen).toEqual([0, 2, 0, 1, 3]);
    expect(new Set(calls[0]!.fetches)).toEqual(new Set(['logits', 'h_next', 'seen']));
    const [first, second] = rec.steps;
    expect(first).toMatchObject({ index: 0, token: 0, fromPrompt: true, next: 2, chosen: false });
    expect(second).toMatchObject({ index: 1, token: 2, fromPrompt: true, next: 0, chosen: true });
    expect(rec.steps[2]).toMatchObject({ fromPrompt: false, chosen: true, next: 1 });
    expect(Array.from(rec.steps[3]!.outputs.seen!.data)).toEqual([1]);
    // The distribution of run 1: softmax of logit 5 at token 0 and 0 elsewhere.
    const p = Math.exp(5) / (Math.exp(5) + 3);
    expect(second!.probs[0]).toBeCloseTo(p, 12);
    expect(second!.probs[1]).toBeCloseTo((1 - p) / 3, 12);
  });

  it('ends when the model chooses the end token, which it keeps, as the training script does', async () => {
    const { run, calls } = fake();
    // ANSWER's second token is 1: with 1 as the end, the text stops there.
    const rec = new Recurrence(spec, PROMPT, { method: 'greedy' }, ANSWER.length, 1);
    await rec.advance({ run });
    expect(rec.tokens).toEqual([...PROMPT, 0, 1]);
    expect(rec.ended).toBe(true);
    expect(rec.done).toBe(true);
    expect(rec.remaining).toBe(0);
    expect(calls).toHaveLength(3);
    await rec.advance({ run });
    expect(calls).toHaveLength(3);
  });

  it('carries on where an earlier advance ended', async () => {
    const { run, calls } = fake();
    const rec = new Recurrence(spec, PROMPT, { method: 'greedy' }, ANSWER.length);
    await rec.advance({ run, runs: 1 });
    expect(rec.tokens).toEqual(PROMPT);
    await rec.advance({ run, runs: 2 });
    expect(rec.tokens).toEqual([...PROMPT, 0, 1]);
    expect(rec.remaining).toBe(2);
    await rec.advance({ run });
    expect(rec.tokens).toEqual([...PROMPT, ...ANSWER]);
    expect(calls).toHaveLength(5);
    // Nothing left: a further advance runs nothing.
    await rec.advance({ run });
    expect(calls).toHaveLength(5);
  });

  it('a Stop ends the loop between two runs, and the recurrence carries on from there', async () => {
    const { run, calls } = fake();
    const controller = new AbortController();
    const rec = new Recurrence(spec, PROMPT, { method: 'greedy' }, ANSWER.length);
    const result = await rec.advance({ run, signal: controller.signal, onStep: (s) => void (s.index === 2 && controller.abort()) });
    expect(result.stopped).toBe(true);
    expect(calls).toHaveLength(3);
    expect(rec.tokens).toEqual([...PROMPT, 0, 1]);
    await rec.advance({ run });
    expect(rec.tokens).toEqual([...PROMPT, ...ANSWER]);
  });

  it('samples with a seeded generator: the same seed writes the same tokens, one draw per chosen token', async () => {
    const seed = 7;
    const write = async (s: number) => {
      const rec = new Recurrence(spec, PROMPT, { method: 'sample', temperature: 1, seed: s }, 12);
      await rec.advance({ run: fake(true).run });
      return rec.tokens.slice(PROMPT.length);
    };
    // Flat logits: four tokens of 1/4 each; the prompt is read without a draw.
    const uniform = mulberry32(seed);
    const want = Array.from({ length: 12 }, () => drawToken([0.25, 0.25, 0.25, 0.25], uniform()));
    expect(await write(seed)).toEqual(want);
    expect(await write(seed)).toEqual(want);
    expect(await write(seed + 1)).not.toEqual(want);
  });

  it('a temperature sharpens or flattens the distribution it samples from', async () => {
    const at = async (temperature: number) => {
      const rec = new Recurrence(spec, PROMPT, { method: 'sample', temperature, seed: 1 }, ANSWER.length);
      await rec.advance({ run: fake().run });
      return rec;
    };
    const cold = await at(0.01);
    expect(cold.tokens.slice(PROMPT.length)).toEqual(ANSWER);
    const hot = await at(5);
    const p = Math.exp(1) / (Math.exp(1) + 3); // logits 5 / 5 = 1 and 0
    expect(hot.steps[1]!.probs[0]).toBeCloseTo(p, 12);
  });

  it('draws the token where the cumulative probability passes u', () => {
    expect(drawToken([0.2, 0.5, 0.3], 0)).toBe(0);
    expect(drawToken([0.2, 0.5, 0.3], 0.2)).toBe(1);
    expect(drawToken([0.2, 0.5, 0.3], 0.69)).toBe(1);
    expect(drawToken([0.2, 0.5, 0.3], 0.7)).toBe(2);
    // Rounding left the sum below u: the last token with any probability.
    expect(drawToken([0.3, 0.3, 0.3, 0], 0.95)).toBe(2);
  });

  it('refuses an empty prompt, a temperature of 0, and a state output that does not fit', async () => {
    expect(() => new Recurrence(spec, [], { method: 'greedy' }, 3)).toThrow(/prompt/);
    expect(() => new Recurrence(spec, PROMPT, { method: 'sample', temperature: 0, seed: 1 }, 3)).toThrow(/temperature/);
    const wrong: RunStep = async () => ({
      logits: { dims: [1, V], data: new Float32Array(V) },
      h_next: { dims: [1, 2], data: new Float32Array(2) },
    });
    await expect(new Recurrence(spec, PROMPT, { method: 'greedy' }, 3).advance({ run: wrong })).rejects.toThrow(/h_next/);
  });
});

const dir = 'public/models/mamba-poem';

describe.runIf(existsSync(`${dir}/card.json`))('the shipped Mamba step graph', () => {
  const card = parseCard(JSON.parse(readFileSync(`${dir}/card.json`, 'utf8')));
  const layout = poemLayout(card);
  const vocab = parseCharVocab(JSON.parse(readFileSync(`${dir}/vocab.json`, 'utf8')), layout.vocabSize);
  const samples = JSON.parse(readFileSync(`${dir}/samples.json`, 'utf8')) as { prompts: { prompt: string; ids: number[]; greedy: number[] }[] };
  const file = card.graphs.find((g) => g.name === layout.graph)!.file;
  const session = ort.InferenceSession.create(`${dir}/${file}`);
  const run: RunStep = async (feeds, fetches) => {
    const tensors = Object.fromEntries(Object.entries(feeds).map(([name, f]) => [name, new ort.Tensor(f.dtype, f.data, f.dims)]));
    const out = await (await session).run(tensors, fetches);
    return Object.fromEntries(fetches.map((name) => [name, { dims: [...out[name]!.dims], data: out[name]!.data as Float32Array }]));
  };

  it('reads the wiring from the card, and says what a card lacks', () => {
    expect(layout.step.states.map((s) => [s.input, s.from])).toEqual([['conv_state', 'next_conv_state'], ['ssm_state', 'next_ssm_state']]);
    expect(layout.stateFloats).toBe(card.training.state_floats);
    const broken = (edit: (c: typeof card) => void) => {
      const copy = structuredClone(card);
      edit(copy);
      return () => poemLayout(copy);
    };
    const step = (c: typeof card) => c.graphs.find((g) => g.name === layout.graph)!;
    expect(broken((c) => step(c).inputs.forEach((i) => i.kind === 'state' && delete i.from))).toThrow(/needs a step graph/);
    expect(broken((c) => (c.graphs = [step(c)]))).toThrow(/whole-sequence graph/);
    expect(broken((c) => (step(c).outputs = step(c).outputs.filter((o) => o.role !== 'ssm')))).toThrow(/Δ output/);
    expect(broken((c) => (c.training.state_floats = 1))).toThrow(/state_floats/);
  });

  it('encodes every shipped prompt as PyTorch did', () => {
    for (const p of samples.prompts) expect(encodePrompt(vocab, p.prompt).ids, p.prompt).toEqual(p.ids);
    expect(encodePrompt(vocab, '春\u{1F600}').unknown).toEqual(['\u{1F600}']);
  });

  it('writes for every shipped prompt the characters PyTorch wrote greedily', async () => {
    expect(samples.prompts.length).toBeGreaterThan(0);
    for (const p of samples.prompts) {
      // Room for the whole text: PyTorch's run ends where the model chose <s>, and so must this one.
      const rec = new Recurrence(layout.step, p.ids, { method: 'greedy' }, layout.maxLength - p.ids.length, vocab.bos);
      await rec.advance({ run });
      expect(rec.tokens.slice(p.ids.length), p.prompt).toEqual(p.greedy);
      expect(rec.ended, p.prompt).toBe(p.greedy.at(-1) === vocab.bos);
      // Every run reports the state and Δ of every layer, of the sizes the card gives.
      const last = rec.steps.at(-1)!.outputs;
      expect(last[layout.ssm.name]!.dims).toEqual(layout.ssm.shape);
      expect(last[layout.delta.name]!.dims).toEqual(layout.delta.shape);
    }
  }, 120_000);
});
