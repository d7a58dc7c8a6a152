/** The shipped BERT graphs, run by onnxruntime-node on the held-out inputs their samples.json ships, give what
 * PyTorch gave: the masked LM's top-5 tokens and probabilities at every masked position (through the widget's
 * own softmax and top-k), the classifier's probabilities. And the browser's tokenizer turns each held-out
 * line into exactly the ids the classifier was given, and the widget's examples into usable inputs. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { graphOf } from '../../src/lib/card';
import { encodePair, parseWordPiece } from '../../src/lib/input/wordpiece';
import { softmax, topK } from '../../src/lib/text/mlm';
import { loadModel } from './models';

/** PyTorch's figures are stored rounded to 5 decimals; 1e-4 leaves room for that and for float32 kernels. */
const TOL = 1e-4;
const mlmDir = 'public/models/bert';
const classifierDir = 'public/models/bert-classifier';
const int64 = (values: readonly number[]) => new ort.Tensor('int64', BigInt64Array.from(values, BigInt), [1, values.length]);

interface MlmSamples {
  examples: { lang: string; text: string; positions: number[]; in_training: boolean }[];
  held_out: { lang: string; ids: number[]; segments: number[]; positions: number[]; top5: number[][]; top5_probs: number[][] }[];
}
interface ClassifierSamples {
  held_out: { text: string; class: number; ids: number[]; probs: number[] }[];
}

/** Model, vocabulary and samples of a shipped BERT folder; samples.json is typed here, as models.ts types
 * the image models' samples. */
function load<S>(dir: string, graph: string) {
  const model = loadModel(dir);
  const vocab = parseWordPiece(loadJson(join(dir, 'vocab.json')));
  const session = ort.InferenceSession.create(join(dir, graphOf(model.card, graph).file));
  return { card: model.card, vocab, session, samples: model.samples as unknown as S };
}
const loadJson = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));

/** Where ours differs from PyTorch's ranking, the ids must be tied in PyTorch's probabilities (within TOL), or,
 * for an id outside PyTorch's top 5, tied with its fifth. Returns what failed, empty when all is well. */
function rankingProblems(ours: { id: number; p: number }[], ids: number[], probs: number[]): string[] {
  const problems: string[] = [];
  ours.forEach(({ id, p }, j) => {
    if (Math.abs(p - probs[j]!) > TOL) problems.push(`rank ${j}: p ${p} vs PyTorch ${probs[j]}`);
    if (id === ids[j]) return;
    const i = ids.indexOf(id);
    const tied = i >= 0 ? Math.abs(probs[i]! - probs[j]!) <= TOL : Math.abs(p - probs[probs.length - 1]!) <= TOL;
    if (!tied) problems.push(`rank ${j}: id ${id} vs PyTorch ${ids[j]} (p ${probs[j]}), not a tie`);
  });
  return problems;
}

describe.runIf(existsSync(join(mlmDir, 'card.json')))('the masked LM on its shipped held-out sequences', () => {
  const { vocab, session, samples } = load<MlmSamples>(mlmDir, 'mlm');

  it("gives PyTorch's top-5 tokens and probabilities at every masked position", async () => {
    expect(samples.held_out.length).toBeGreaterThan(0);
    const s = await session;
    for (const [n, h] of samples.held_out.entries()) {
      const out = await s.run({ ids: int64(h.ids), segments: int64(h.segments), positions: int64(h.positions) }, ['logits']);
      const logits = out.logits!;
      const size = vocab.tokens.length;
      expect(logits.dims).toEqual([1, h.positions.length, size]);
      const data = logits.data as Float32Array;
      h.positions.forEach((position, r) => {
        const probs = softmax(data, r * size, size);
        const ours = topK(probs, 5);
        const where = `held-out ${n} (${h.lang}), position ${position}`;
        expect(rankingProblems(ours, h.top5[r]!, h.top5_probs[r]!), where).toEqual([]);
        // PyTorch's five ids have PyTorch's probabilities here too, whatever order ties fell in.
        h.top5[r]!.forEach((id, j) => expect(Math.abs(probs[id]! - h.top5_probs[r]![j]!), `${where}, id ${id}`).toBeLessThanOrEqual(TOL));
      });
    }
  });

  it('every widget example tokenises without cuts, the positions it masks first on tokens of the text', () => {
    for (const e of samples.examples) {
      const cut = e.text.indexOf('\n');   // the first line break starts segment B
      const [a, b] = cut < 0 ? [e.text, undefined] : [e.text.slice(0, cut), e.text.slice(cut + 1)];
      const out = encodePair(vocab, a, b);
      expect(out.truncated, e.text).toBe(false);
      for (const p of e.positions) {
        const id = out.ids[p];
        expect(id === undefined || [vocab.special.cls, vocab.special.sep, vocab.special.unk].includes(id), `${e.text} position ${p}`).toBe(false);
      }
    }
  });
});

describe.runIf(existsSync(join(classifierDir, 'card.json')))('the classifier on its shipped held-out lines', () => {
  const { card, vocab, session, samples } = load<ClassifierSamples>(classifierDir, 'classifier');

  it("tokenises every line to the ids PyTorch was given", () => {
    expect(samples.held_out.length).toBeGreaterThan(0);
    for (const h of samples.held_out) {
      const out = encodePair(vocab, h.text);
      expect(out.ids, h.text).toEqual(h.ids);
      expect(out.segments, h.text).toEqual(h.ids.map(() => 0));
    }
  });

  it("gives PyTorch's probabilities within 1e-4, and the predictions the card records", async () => {
    const s = await session;
    const predictions: number[] = [];
    for (const h of samples.held_out) {
      const out = await s.run({ ids: int64(h.ids), segments: int64(h.ids.map(() => 0)) }, ['probs']);
      const probs = Array.from(out.probs!.data as Float32Array);
      expect(probs).toHaveLength(h.probs.length);
      probs.forEach((p, c) => expect(Math.abs(p - h.probs[c]!), `${h.text} class ${c}`).toBeLessThanOrEqual(TOL));
      predictions.push(probs.indexOf(Math.max(...probs)));
    }
    const recorded = (card.samples as { predictions?: number[] }).predictions;
    if (recorded) {
      // A prediction may differ only where PyTorch's top two were tied within TOL.
      predictions.forEach((p, i) => {
        const ps = samples.held_out[i]!.probs;
        if (p !== recorded[i]) expect(Math.abs(ps[p]! - ps[recorded[i]!]!), samples.held_out[i]!.text).toBeLessThanOrEqual(TOL);
      });
    }
  });
});
