/**
 * What the poem generator reads from its model card, found by input kind, output role, `from`, `ssm` and
 * axis names, never by names: a step graph (one token id and every recurrent state in; the next token's
 * logits, each state's next value, the SSM state h and Δ of every layer out) and the whole-sequence graph,
 * whose length bounds the text the widget writes. Also the sizes the memory note compares: the numbers in
 * the recurrent state, and the width and depth a Transformer decoder would match. Pure card logic, no
 * DOM, so the widget registry checks the card at build time with it.
 */
import type { GraphSpec, InputSpec, ModelCard, OutputSpec } from '../../lib/card';
import type { RecurrentSpec } from '../../lib/generate/recurrent';

type TokenInput = InputSpec & { kind: 'tokens' };

export interface PoemLayout {
  /** The step graph's name, and how generation wires it. */
  graph: string;
  step: RecurrentSpec;
  /** The vocabulary file (vocab.json: tokens, unk, bos, newline). */
  vocab: string;
  vocabSize: number;
  /** The SSM state after each token: [layers, 1, channels, state]. */
  ssm: OutputSpec;
  /** Δ of every layer for the token read: [layers, 1, channels]. */
  delta: OutputSpec;
  layers: number;
  channels: number;
  dState: number;
  /** The whole-sequence graph, and the most tokens it reads (<s> included): the longest text written. */
  sequence: string;
  maxLength: number;
  /** Numbers in the recurrent state (every state input together), the same after every token. */
  stateFloats: number;
  /** Width and depth of the model, for the Transformer decoder whose key/value cache the note compares. */
  dModel: number;
}

const tokenInputs = (g: GraphSpec) => g.inputs.filter((i): i is TokenInput => i.kind === 'tokens');
const size = (shape: readonly (number | string)[]) => shape.reduce<number>((a, d) => a * (typeof d === 'number' ? d : NaN), 1);
const sameAxes = (o: OutputSpec, axes: string[]) => o.axes?.join() === axes.join();

/** The step graph: state inputs each fed from an output of its own (`from`). */
const isStep = (g: GraphSpec) => g.inputs.some((i) => i.kind === 'state' && i.from);

/** Throws an Error naming what the card lacks for the widget to show it. */
export function poemLayout(card: ModelCard): PoemLayout {
  const fail = (message: string): never => {
    throw new Error(`${card.slug}: ${message}`);
  };
  const step = card.graphs.find(isStep) ?? fail('needs a step graph: one whose state inputs name the output that feeds them (`from`)');
  const sequence = card.graphs.find((g) => g !== step) ?? fail('needs a whole-sequence graph beside the step graph');

  const [ids, ...more] = tokenInputs(step);
  if (!ids || more.length) fail(`the step graph (${step.name}) needs exactly one token input`);
  if (size(ids!.shape) !== 1) fail(`token input ${ids!.name} must hold one id per run, not [${ids!.shape.join(', ')}]`);
  const states = step.inputs.filter((i) => i.kind === 'state');
  const wires = states.map((i) => {
    if (i.kind !== 'state' || !i.from) return fail(`state input ${i.name} must name the output that feeds it (from)`);
    if (i.dtype !== 'float32') fail(`state input ${i.name} must be float32`);
    const dims = i.shape.map((d) => (typeof d === 'number' ? d : fail(`state input ${i.name} needs a fixed shape`)));
    return { input: i.name, from: i.from, dims };
  });
  const others = step.inputs.filter((i) => i.kind !== 'state' && i !== ids);
  if (others.length) fail(`the step graph's inputs ${others.map((i) => i.name).join(', ')} are neither the token nor a state`);

  const logits = step.outputs.find((o) => o.role === 'logits') ?? fail(`the step graph (${step.name}) needs a logits output`);
  const vocabSize = logits.shape.at(-1);
  if (typeof vocabSize !== 'number' || size(logits.shape) !== vocabSize) fail(`logits output ${logits.name} must be one row: [1, vocabulary size]`);

  const fed = new Set(wires.map((w) => w.from));
  const ssm = step.outputs.find((o) => fed.has(o.name) && o.axes?.includes('state'))
    ?? fail('needs a state output with axes [layer, batch, channel, state] (the SSM state h) that feeds a state input');
  if (!sameAxes(ssm, ['layer', 'batch', 'channel', 'state'])) fail(`state output ${ssm.name} must have the axes [layer, batch, channel, state]`);
  const delta = step.outputs.find((o) => o.role === 'ssm' && o.ssm?.quantity === 'delta' && o.ssm.layer === 0)
    ?? fail('needs a Δ output of every layer stacked (role ssm, quantity delta, layer 0)');
  if (!sameAxes(delta, ['layer', 'batch', 'channel'])) fail(`Δ output ${delta.name} must have the axes [layer, batch, channel]`);
  const [layers, batch, channels, dState] = ssm.shape;
  if ([layers, channels, dState].some((d) => typeof d !== 'number') || batch !== 1) fail(`state output ${ssm.name} needs a fixed shape with batch 1`);
  if (delta.shape.join() !== [layers, 1, channels].join()) fail(`Δ output ${delta.name} must be [${layers}, 1, ${channels}], as the state's layers and channels`);

  const [seqIds] = tokenInputs(sequence);
  const maxLength = seqIds?.shape[1];
  if (!seqIds || seqIds.shape.length !== 2 || seqIds.shape[0] !== 1 || typeof maxLength !== 'number') {
    fail(`the whole-sequence graph (${sequence.name}) needs a token input of fixed shape [1, length]`);
  }
  if (seqIds!.vocab !== ids!.vocab) fail(`the two graphs must read one vocabulary (${seqIds!.vocab} and ${ids!.vocab})`);

  const training = card.training as Record<string, unknown>;
  const stateFloats = wires.reduce((n, w) => n + size(w.dims), 0);
  if (training.state_floats !== stateFloats) fail(`training.state_floats (${String(training.state_floats)}) must count the numbers in the state inputs (${stateFloats})`);
  const dModel = training.d_model;
  if (!Number.isInteger(dModel) || (dModel as number) < 1) fail('training.d_model must give the model width');
  if (training.layers !== layers) fail(`training.layers (${String(training.layers)}) must be the state's ${layers} layers`);

  return {
    graph: step.name,
    step: {
      token: { name: ids!.name, dtype: ids!.dtype, dims: ids!.shape as number[] },
      states: wires,
      logits: logits.name,
      report: [ssm.name, delta.name],
    },
    vocab: ids!.vocab,
    vocabSize: vocabSize as number,
    ssm,
    delta,
    layers: layers as number,
    channels: channels as number,
    dState: dState as number,
    sequence: sequence.name,
    maxLength: maxLength as number,
    stateFloats,
    dModel: dModel as number,
  };
}

/** vocab.json of a character model: one token per character, and the ids of <unk>, <s> and the newline. */
export interface CharVocab {
  tokens: string[];
  unk: number;
  bos: number;
  newline: number;
}

/** Reads vocab.json, checking what generation relies on; the error names the field that is wrong. */
export function parseCharVocab(raw: unknown, vocabSize: number): CharVocab {
  const v = raw as Partial<CharVocab> | null;
  if (!v || !Array.isArray(v.tokens) || !v.tokens.every((s) => typeof s === 'string')) throw new Error('vocab.json: tokens must be a list of strings');
  if (v.tokens.length !== vocabSize) throw new Error(`vocab.json: ${v.tokens.length} tokens, but the model's logits have ${vocabSize}`);
  for (const key of ['unk', 'bos', 'newline'] as const) {
    const id = v[key];
    if (!Number.isInteger(id) || id! < 0 || id! >= vocabSize) throw new Error(`vocab.json: ${key} must be a token id, not ${String(id)}`);
  }
  return v as CharVocab;
}

/** A text as the model reads it: <s>, then one id per character (code point), <unk> for any it lacks;
 * `unknown` lists those characters, each once. */
export function encodePrompt(vocab: CharVocab, text: string): { ids: number[]; chars: string[]; unknown: string[] } {
  const index = new Map(vocab.tokens.map((token, id) => [token, id]));
  const chars = [...text];
  const ids = [vocab.bos, ...chars.map((c) => index.get(c) ?? vocab.unk)];
  const unknown = [...new Set(chars.filter((c) => !index.has(c)))];
  return { ids, chars, unknown };
}
