/** What the translator widget reads from a card: the encoder and decoder and how they are wired, and the
 * attention maps grouped into kinds by layer, checked on the shipped Transformer card and on cards the
 * widget cannot show. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type ModelCard } from '../../src/lib/card';
import { parseCard } from '../../src/lib/card/parse';
import { attentionAxes, attentionGroups, seq2seqOf, seq2seqProblems, tokensAlong } from '../../src/components/widgets/translator-card';

const card = parseCard(JSON.parse(readFileSync('public/models/transformer/card.json', 'utf8')));

describe('the translator reads the Transformer card', () => {
  it('finds the source, the prefix and the logits, and wires the memory by name', () => {
    const spec = seq2seqOf(card);
    expect([spec.encoder.name, spec.decoder.name]).toEqual(['encoder', 'decoder']);
    expect(spec.source.name).toBe('src');
    expect(spec.prefix.name).toBe('tgt');
    expect(spec.logits.name).toBe('logits');
    expect(seq2seqProblems(card)).toEqual([]);
  });

  it('groups the attention maps into three kinds of two layers, named without the layer', () => {
    const groups = attentionGroups(card.graphs);
    expect(groups.map((g) => [g.stem, g.graph, g.layers.map((o) => o.name)])).toEqual([
      ['enc_self', 'encoder', ['enc_self_0', 'enc_self_1']],
      ['dec_self', 'decoder', ['dec_self_0', 'dec_self_1']],
      ['dec_cross', 'decoder', ['dec_cross_0', 'dec_cross_1']],
    ]);
    expect(groups.map((g) => g.label.en)).toEqual(['encoder: self-attention', 'decoder: masked self-attention', 'decoder: cross-attention']);
    expect(groups.map((g) => g.label.zh)).toEqual(['编码器：自注意力', '解码器：带掩码的自注意力', '解码器：交叉注意力']);
  });

  it('orders a kind\'s maps by the layer the card gives, not by their place in the graph', () => {
    const decoder = card.graphs[1]!;
    const shuffled = { ...decoder, outputs: [...decoder.outputs].reverse() };
    const cross = attentionGroups([shuffled]).find((g) => g.stem === 'dec_cross')!;
    expect(cross.layers.map((o) => o.attention!.layer)).toEqual([1, 2]);
  });

  it('labels each axis of a map with the token input of its length', () => {
    const cross = card.graphs[1]!.outputs.find((o) => o.name === 'dec_cross_0')!;
    const axes = attentionAxes(cross);
    expect(axes).toEqual({ batch: 0, head: 1, query: 2, key: 3 });
    expect(tokensAlong(card.graphs[1]!, cross.shape[axes.query])?.name).toBe('tgt');
    expect(tokensAlong(card.graphs[1]!, cross.shape[axes.key])?.name).toBe('src');
  });
});

describe('cards the translator cannot show', () => {
  const edit = (change: (c: ModelCard) => void) => {
    const copy = structuredClone(card);
    change(copy);
    return seq2seqProblems(copy);
  };

  it('a single graph', () => {
    expect(edit((c) => c.graphs.splice(1))).toEqual(['needs two graphs, an encoder and a decoder']);
  });

  it('a decoder input the encoder does not provide', () => {
    expect(edit((c) => (c.graphs[1]!.inputs[0]!.name = 'cache'))).toEqual(['decoder inputs cache are neither inputs nor outputs of the encoder']);
  });

  it('a decoder without logits, or without a prefix', () => {
    expect(edit((c) => (c.graphs[1]!.outputs[0]!.role = 'state'))).toEqual(['the decoder needs a logits output']);
    expect(edit((c) => (c.graphs[1]!.inputs[2]!.name = 'src'))).toEqual(['the decoder (decoder) needs exactly one token input (the prefix) that the encoder lacks']);
  });
});
