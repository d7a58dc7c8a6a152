/**
 * What the BERT explorer reads from its two model cards, found by input kind, output role and axis names,
 * never by names: the masked-language model (token ids, segment ids and the positions to predict in;
 * logits for those positions and every layer's self-attention out) and its fine-tuned twin (the same ids
 * and segments in, class probabilities out, with labels). Pure card logic, no DOM, so the widget registry
 * checks both cards at build time with it.
 */
import { graphOf, type InputSpec, type ModelCard, type OutputSpec } from '../../lib/card';
import { attentionAxes } from './translator-card';

export type TokenInput = InputSpec & { kind: 'tokens' };

export interface BertLayout {
  graph: string;
  /** Token ids ([1, seq]), the graph's first token input. */
  ids: TokenInput;
  /** Segment ids ([1, seq]: 0 for A, 1 for B), the second. */
  segments: TokenInput;
  /** Which token indices to predict ([1, masked]), the third. */
  positions: TokenInput;
  /** Logits over the vocabulary for every position asked for ([1, masked, vocab]). */
  logits: OutputSpec;
  vocabSize: number;
  /** The vocabulary file (a WordPiece vocab.json in the model's folder). */
  vocab: string;
  /** Per-token hidden states, if the graph exposes them. */
  hidden?: OutputSpec;
  /** One self-attention output ([batch, head, query, key]) per layer, in layer order. */
  attention: OutputSpec[];
  heads: number;
}

export interface ClassifierLayout {
  graph: string;
  ids: TokenInput;
  segments: TokenInput;
  /** Class probabilities ([1, classes]). */
  probs: OutputSpec;
  labels: { en: string[]; zh: string[] };
}

const tokenInputs = (inputs: InputSpec[]) => inputs.filter((i): i is TokenInput => i.kind === 'tokens');

/** Ids and segments: the first two token inputs, of one symbolic length. */
function idsAndSegments(inputs: InputSpec[]): [TokenInput, TokenInput] {
  const [ids, segments] = tokenInputs(inputs);
  if (!ids || !segments) throw new Error('needs two token inputs: the token ids, then the segment ids');
  for (const input of [ids, segments]) {
    if (input.shape.length !== 2 || input.shape[0] !== 1 || typeof input.shape[1] !== 'string') {
      throw new Error(`token input ${input.name} must have the shape [1, seq] with a symbolic length`);
    }
  }
  if (ids.shape[1] !== segments.shape[1]) throw new Error(`token ids (${ids.name}) and segment ids (${segments.name}) must have the same length`);
  return [ids, segments];
}

/** The masked-language model: throws an Error naming what the card lacks for the widget to show it. */
export function bertLayout(card: ModelCard): BertLayout {
  const graph = graphOf(card);
  const [ids, segments] = idsAndSegments(graph.inputs);
  const positions = tokenInputs(graph.inputs)[2];
  if (!positions) throw new Error('needs a third token input: the positions to predict');
  const seq = ids.shape[1];
  const logits = graph.outputs.find((o) => o.role === 'logits');
  if (!logits) throw new Error('needs a logits output');
  const [batch, masked, vocabSize] = logits.shape;
  if (logits.shape.length !== 3 || batch !== 1 || masked !== positions.shape[1] || typeof vocabSize !== 'number') {
    throw new Error(`logits output ${logits.name} must have the shape [1, ${positions.shape[1]}, vocabulary size]`);
  }
  const attention = graph.outputs.filter((o) => o.role === 'attention').sort((a, b) => a.attention!.layer - b.attention!.layer);
  if (!attention.length) throw new Error('needs attention outputs');
  const layers = attention.map((o) => o.attention!.layer);
  if (new Set(layers).size !== layers.length) throw new Error(`needs one attention output per layer (layers ${layers.join(', ')})`);
  const heads = attention[0]!.shape[attentionAxes(attention[0]!).head];
  for (const o of attention) {
    const axes = attentionAxes(o);
    if (o.shape[axes.head] !== heads || typeof heads !== 'number') throw new Error('every attention output needs the same fixed number of heads');
    if (o.shape[axes.query] !== seq || o.shape[axes.key] !== seq || o.shape[axes.batch] !== 1) {
      throw new Error(`attention output ${o.name} must be [1, heads, ${seq}, ${seq}]: a map over the input tokens`);
    }
  }
  const hidden = graph.outputs.find((o) => o.role === 'hidden_state');
  return {
    graph: graph.name, ids, segments, positions, logits, vocabSize, vocab: ids.vocab, hidden, attention, heads: heads as number,
  };
}

/** The fine-tuned classifier beside it: throws an Error naming what the card lacks. */
export function classifierLayout(card: ModelCard): ClassifierLayout {
  const graph = graphOf(card);
  const [ids, segments] = idsAndSegments(graph.inputs);
  const probs = graph.outputs.find((o) => o.role === 'probabilities');
  if (!probs) throw new Error('the classifier needs a probabilities output');
  const classes = probs.shape[1];
  if (!card.labels || card.labels.en.length !== classes) throw new Error(`the classifier needs labels, one per class of ${probs.name} (${classes})`);
  return { graph: graph.name, ids, segments, probs, labels: card.labels };
}

/** Both cards, read together: the classifier is fed the model's ids and segments, so it must name them alike. */
export function bertPair(card: ModelCard, twin: ModelCard): { mlm: BertLayout; classifier: ClassifierLayout } {
  const mlm = bertLayout(card);
  const classifier = classifierLayout(twin);
  if (classifier.ids.name !== mlm.ids.name || classifier.segments.name !== mlm.segments.name) {
    throw new Error(`the classifier's token inputs (${classifier.ids.name}, ${classifier.segments.name}) must be the model's (${mlm.ids.name}, ${mlm.segments.name})`);
  }
  return { mlm, classifier };
}
