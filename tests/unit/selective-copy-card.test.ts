/** The selective-copy widget's card reader and task arithmetic, on the shipped cards and samples. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type ModelCard } from '../../src/lib/card';
import { parseCard } from '../../src/lib/card/parse';
import {
  checkVocab, copyLayout, copyPair, nextToken, randomSequence, recalled, symbolPlaces,
} from '../../src/components/widgets/selective-copy-card';
import type { ShippedSequence } from '../../src/components/widgets/selective-copy-input';

const json = <T,>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;
const card = parseCard(json('public/models/mamba-copy/card.json'));
const twin = parseCard(json('public/models/mamba-copy-lti/card.json'));
const [layout, twinLayout] = copyPair(card, twin);
const { task } = layout;
const samples = json<{ sequences: ShippedSequence[] }>('public/models/mamba-copy/samples.json').sequences;

describe('selective-copy card reader', () => {
  it('reads both shipped cards: one input of body + memorise ids, logits, Δ per layer, one selective', () => {
    expect(layout.length).toBe(task.body + task.memorise);
    expect(layout.delta.map((o) => o.ssm!.layer)).toEqual(twinLayout.delta.map((o) => o.ssm!.layer));
    expect(layout.symbolIds).toHaveLength(task.symbols);
    expect(layout.symbolIds).not.toContain(task.noise);
    expect(layout.symbolIds).not.toContain(task.recall);
    expect([layout.task.selective, twinLayout.task.selective]).toEqual([true, false]);
    expect(layout.accuracy).toBe(card.metrics.copy_accuracy);
    checkVocab(json(`public/models/mamba-copy/${layout.vocab}`), layout);
  });

  it('names what a card lacks', () => {
    const without = (edit: (c: ModelCard) => void) => {
      const c = structuredClone(card);
      edit(c);
      return () => copyLayout(c);
    };
    expect(without((c) => delete c.task)).toThrow(/needs a task/);
    expect(without((c) => (c.graphs[0]!.outputs = c.graphs[0]!.outputs.filter((o) => o.role !== 'ssm')))).toThrow(/Δ outputs/);
    expect(without((c) => (c.task!.body += 1))).toThrow(/must be the input's length/);
    expect(without((c) => delete c.metrics.copy_accuracy)).toThrow(/copy_accuracy/);
    expect(() => checkVocab({ tokens: ['·'], noise: task.noise, recall: task.recall }, layout)).toThrow(/tokens/);
    const other = structuredClone(twin);
    other.graphs[0]!.outputs = other.graphs[0]!.outputs.filter((o) => o.ssm?.layer !== 2);
    expect(() => copyPair(card, other)).toThrow(/same layers/);
  });
});

describe('selective-copy task', () => {
  it('the symbols of every shipped sequence, read by place, are its target', () => {
    for (const s of samples) expect(symbolPlaces(s.ids, layout).map((p) => s.ids[p]), s.id).toEqual(s.target);
  });

  it('draws sequences by the card’s rules, the same for the same seed', () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 50; seed++) {
      const ids = randomSequence(layout, seed);
      expect(ids).toEqual(randomSequence(layout, seed));
      expect(ids).toHaveLength(layout.length);
      expect(symbolPlaces(ids, layout)).toHaveLength(task.memorise);
      expect(ids.slice(task.body).every((id) => id === task.recall)).toBe(true);
      expect(ids.slice(0, task.body).every((id) => id === task.noise || layout.symbolIds.includes(id))).toBe(true);
      seen.add(ids.join());
    }
    expect(seen.size).toBe(50);
  });

  it('every symbol and every place turns up', () => {
    const symbols = new Set<number>();
    const places = new Set<number>();
    for (let seed = 0; seed < 200; seed++) {
      const ids = randomSequence(layout, seed);
      for (const p of symbolPlaces(ids, layout)) {
        places.add(p);
        symbols.add(ids[p]!);
      }
    }
    expect([...symbols].sort((a, b) => a - b)).toEqual(layout.symbolIds);
    expect(places.size).toBe(task.body);
  });

  it('cycles a position through noise, every symbol, and back to noise', () => {
    const seen = [task.noise];
    for (let k = 0; k < task.symbols + 1; k++) seen.push(nextToken(seen.at(-1)!, layout));
    expect(seen).toEqual([task.noise, ...layout.symbolIds, task.noise]);
  });

  it('reads the recalled tokens at the recall markers, the first of a tie', () => {
    const v = layout.vocabSize;
    const logits = new Float32Array(layout.length * v);
    const want = Array.from({ length: task.memorise }, (_, k) => layout.symbolIds[k % task.symbols]!);
    want.forEach((id, k) => (logits[(task.body + k) * v + id] = 1));
    logits[0 * v + 5] = 9; // a body position: not read
    expect(recalled(logits, layout)).toEqual(want);
    logits.fill(0, task.body * v, (task.body + 1) * v); // all equal: the first token
    expect(recalled(logits, layout)[0]).toBe(0);
  });
});
