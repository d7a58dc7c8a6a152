/**
 * What the translator widget reads from a model card, and nothing else: an encoder graph (token ids in,
 * a state out) and a decoder graph (that state, the same ids and a target prefix in, next-token logits
 * out), plus whatever attention maps the two expose. Pure card logic, no DOM, so the widget registry can
 * check a card at build time with it.
 */
import type { GraphSpec, InputSpec, ModelCard, OutputSpec } from '../../lib/card';
import type { Tensor } from '../../lib/runtime';

export interface Seq2SeqSpec {
  encoder: GraphSpec;
  decoder: GraphSpec;
  /** The encoder's token input; the decoder's input of the same name gets the same ids. */
  source: InputSpec & { kind: 'tokens' };
  /** The decoder's token input the encoder lacks: the prefix decoded so far, one row per beam. */
  prefix: InputSpec & { kind: 'tokens' };
  logits: OutputSpec;
}

type TokenInput = InputSpec & { kind: 'tokens' };
const tokenInputs = (g: GraphSpec) => g.inputs.filter((i): i is TokenInput => i.kind === 'tokens');

/** The encoder is the card's first graph and the decoder its second. Every other decoder input must be
 * an encoder input or output of the same name (the memory), so the widget can wire them by name. */
export function seq2seqOf(card: ModelCard): Seq2SeqSpec {
  const problems = seq2seqProblems(card);
  if (problems.length) throw new Error(`${card.slug}: ${problems.join('; ')}`);
  const [encoder, decoder] = card.graphs as [GraphSpec, GraphSpec];
  const source = tokenInputs(encoder)[0]!;
  return {
    encoder,
    decoder,
    source,
    prefix: tokenInputs(decoder).find((i) => i.name !== source.name)!,
    logits: decoder.outputs.find((o) => o.role === 'logits')!,
  };
}

export function seq2seqProblems(card: ModelCard): string[] {
  const [encoder, decoder] = card.graphs;
  if (!encoder || !decoder) return ['needs two graphs, an encoder and a decoder'];
  const problems: string[] = [];
  const sources = tokenInputs(encoder);
  if (sources.length !== 1) problems.push(`the encoder (${encoder.name}) needs exactly one token input`);
  const known = new Set([...encoder.inputs, ...encoder.outputs].map((x) => x.name));
  const prefixes = tokenInputs(decoder).filter((i) => !known.has(i.name));
  if (prefixes.length !== 1) problems.push(`the decoder (${decoder.name}) needs exactly one token input (the prefix) that the encoder lacks`);
  const unwired = decoder.inputs.filter((i) => i.kind !== 'tokens' && !known.has(i.name));
  if (unwired.length) problems.push(`decoder inputs ${unwired.map((i) => i.name).join(', ')} are neither inputs nor outputs of the encoder`);
  if (!decoder.outputs.some((o) => o.role === 'logits')) problems.push('the decoder needs a logits output');
  return problems;
}

/** One kind of attention map (encoder self-attention, …) with one output per layer, as the card groups them. */
export interface AttentionGroup {
  /** The card's id of the kind: "enc_self". */
  stem: string;
  graph: string;
  /** The kind's name in both languages, from the card. */
  label: { en: string; zh: string };
  /** One output per layer, in layer order. */
  layers: OutputSpec[];
}

/** The attention outputs of `graphs` grouped by the kind their card entry names, in card order. */
export function attentionGroups(graphs: readonly GraphSpec[]): AttentionGroup[] {
  const groups = new Map<string, AttentionGroup>();
  for (const graph of graphs) {
    for (const o of graph.outputs) {
      if (o.role !== 'attention' || !o.attention) continue;
      const { kind, label } = o.attention;
      const group = groups.get(kind) ?? { stem: kind, graph: graph.name, label, layers: [] };
      group.layers.push(o);
      groups.set(kind, group);
    }
  }
  for (const g of groups.values()) g.layers.sort((a, b) => a.attention!.layer - b.attention!.layer);
  return [...groups.values()];
}

/** Where an attention output keeps its batch, head, query and key dimensions (its `axes`). */
export function attentionAxes(o: OutputSpec): { batch: number; head: number; query: number; key: number } {
  const at = (name: string) => {
    const i = o.axes?.indexOf(name) ?? -1;
    if (i < 0) throw new Error(`attention output ${o.name} has no "${name}" axis`);
    return i;
  };
  return { batch: at('batch'), head: at('head'), query: at('query'), key: at('key') };
}

/** The token input of `graph` whose length is the symbolic size `dim`: whose ids label that axis of a map. */
export function tokensAlong(graph: GraphSpec, dim: string | number | undefined): InputSpec | undefined {
  return tokenInputs(graph).find((i) => i.shape.at(-1) === dim);
}

/** The query × key weights of head `head` (batch row 0), row-major, whatever the order of the axes. */
export function headSlice(tensor: Tensor, axes: ReturnType<typeof attentionAxes>, head: number): Float32Array {
  const strides = tensor.dims.map((_, i) => tensor.dims.slice(i + 1).reduce((a, b) => a * b, 1));
  const rows = tensor.dims[axes.query]!;
  const cols = tensor.dims[axes.key]!;
  const out = new Float32Array(rows * cols);
  const base = head * strides[axes.head]!;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[r * cols + c] = tensor.data[base + r * strides[axes.query]! + c * strides[axes.key]!]!;
  }
  return out;
}
