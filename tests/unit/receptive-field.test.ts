/** The receptive fields the cards carry (worked out layer by layer by training/common/receptive.py) against
 * the windows autograd finds for the same units (tests/fixtures/receptive-fields.json, written by
 * training/receptive_fixture.py), and the card schema's checks on them. */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { graphOf, type ModelCard } from '../../src/lib/card';
import { parseCard } from '../../src/lib/card/parse';

interface Measured {
  unit: [number, number];
  rows: [number, number];
  cols: [number, number];
}
const fixture: Record<string, Record<string, Measured[]>> = JSON.parse(readFileSync('tests/fixtures/receptive-fields.json', 'utf8'));
const card = (slug: string): ModelCard => parseCard(JSON.parse(readFileSync(`public/models/${slug}/card.json`, 'utf8')));

describe.each(Object.keys(fixture))('%s', (slug) => {
  const outputs = graphOf(card(slug)).outputs;

  it('every feature map has a receptive field, and the fixture measured each', () => {
    const maps = outputs.filter((o) => o.role === 'feature_map');
    expect(maps.length).toBeGreaterThan(0);
    for (const o of maps) expect(o.receptive_field, o.name).toBeDefined();
    expect(Object.keys(fixture[slug]!).sort()).toEqual(maps.map((o) => o.name).sort());
  });

  it.each(Object.keys(fixture[slug]!))('%s: the windows autograd finds', (name) => {
    const field = outputs.find((o) => o.name === name)!.receptive_field!;
    for (const { unit: [row, col], rows, cols } of fixture[slug]![name]!) {
      expect([[field.starts[row], field.ends[row]], [field.starts[col], field.ends[col]]], `${name} unit ${row},${col}`).toEqual([rows, cols]);
    }
  });
});

describe('card schema', () => {
  const alexnet = JSON.parse(readFileSync('public/models/alexnet/card.json', 'utf8'));
  const withField = (index: number, field: unknown) => {
    const copy = structuredClone(alexnet);
    copy.graphs[0].outputs[index].receptive_field = field;
    return copy;
  };
  const conv1 = alexnet.graphs[0].outputs.findIndex((o: { name: string }) => o.name === 'conv1');
  const probs = alexnet.graphs[0].outputs.findIndex((o: { name: string }) => o.name === 'probs');
  const good = alexnet.graphs[0].outputs[conv1].receptive_field;

  it('accepts the shipped fields', () => expect(() => parseCard(alexnet)).not.toThrow());
  it('wants one window per unit', () => {
    expect(() => parseCard(withField(conv1, { starts: good.starts.slice(1), ends: good.ends.slice(1) }))).toThrow(/receptive field/);
  });
  it('wants each window to be non-empty', () => {
    expect(() => parseCard(withField(conv1, { starts: good.ends, ends: good.ends }))).toThrow(/receptive field/);
  });
  it('allows a receptive field only on a feature map', () => {
    expect(() => parseCard(withField(probs, good))).toThrow(/receptive field/);
  });
});
