/**
 * What the selective-copying widget reads from its two model cards — the selective model and its
 * time-invariant twin — and the task's own arithmetic: making a sequence by the card's rules, cycling a
 * position through the tokens, reading the recalled symbols off the logits. Outputs are found by role
 * (`logits`; `ssm` with quantity `delta` per layer), the layout of a sequence by the card's `task`, never
 * by names or constants. Pure logic, no DOM, so the widget registry checks both cards at build time with it.
 */
import { graphOf, type CopyTask, type InputSpec, type ModelCard, type OutputSpec } from '../../lib/card';
import { mulberry32 } from '../../lib/input/noise';

export type TokenInput = InputSpec & { kind: 'tokens' };

export interface CopyLayout {
  graph: string;
  /** The token ids, [1, length]: body + memorise. */
  ids: TokenInput;
  length: number;
  /** The vocabulary file (vocab.json: tokens, noise, recall). */
  vocab: string;
  /** Logits at every position, [1, length, vocabulary]. */
  logits: OutputSpec;
  vocabSize: number;
  /** Δ of every layer, [batch, position, channel], in layer order. */
  delta: OutputSpec[];
  channels: number;
  task: CopyTask;
  /** The symbols' token ids, in vocabulary order. */
  symbolIds: number[];
  /** Share of recalled symbols right on the held-out sequences (metrics.copy_accuracy) and how many. */
  accuracy: number;
  heldOut?: number;
}

export interface CopyVocab {
  tokens: string[];
  noise: number;
  recall: number;
}

/** The card read for the widget: throws an Error naming what it lacks. */
export function copyLayout(card: ModelCard): CopyLayout {
  const graph = graphOf(card);
  const task = card.task;
  if (!task) throw new Error('needs a task (body, memorise, symbols, noise, recall, selective)');
  const ids = graph.inputs.find((i): i is TokenInput => i.kind === 'tokens');
  if (!ids || graph.inputs.length !== 1) throw new Error('needs exactly one input, the token ids');
  const [batch, length] = ids.shape;
  if (ids.shape.length !== 2 || batch !== 1 || typeof length !== 'number') throw new Error(`token input ${ids.name} must have the shape [1, length] with a fixed length`);
  if (task.body + task.memorise !== length || task.memorise < 1 || task.memorise > task.body) {
    throw new Error(`task.body (${task.body}) + task.memorise (${task.memorise}) must be the input's length ${length}, with 1 ≤ memorise ≤ body`);
  }
  const logits = graph.outputs.find((o) => o.role === 'logits');
  if (!logits) throw new Error('needs a logits output');
  const vocabSize = logits.shape[2];
  if (logits.shape.length !== 3 || logits.shape[0] !== 1 || logits.shape[1] !== length || typeof vocabSize !== 'number') {
    throw new Error(`logits output ${logits.name} must have the shape [1, ${length}, vocabulary size]`);
  }
  if (task.noise === task.recall || task.noise >= vocabSize || task.recall >= vocabSize) {
    throw new Error(`task.noise (${task.noise}) and task.recall (${task.recall}) must be two different tokens of the ${vocabSize}`);
  }
  const symbolIds = Array.from({ length: vocabSize }, (_, id) => id).filter((id) => id !== task.noise && id !== task.recall);
  if (symbolIds.length !== task.symbols) throw new Error(`task.symbols (${task.symbols}) must be every token but noise and recall (${symbolIds.length})`);
  const delta = graph.outputs.filter((o) => o.role === 'ssm' && o.ssm?.quantity === 'delta').sort((a, b) => a.ssm!.layer - b.ssm!.layer);
  if (!delta.length) throw new Error('needs Δ outputs: role ssm with ssm.quantity "delta"');
  const layers = delta.map((o) => o.ssm!.layer);
  if (new Set(layers).size !== layers.length || layers.includes(0)) throw new Error(`needs one Δ output per layer, numbered from 1 (layers ${layers.join(', ')})`);
  const channels = delta[0]!.shape[2];
  for (const o of delta) {
    if (o.axes?.join() !== 'batch,position,channel' || o.shape[0] !== 1 || o.shape[1] !== length || o.shape[2] !== channels || typeof channels !== 'number') {
      throw new Error(`Δ output ${o.name} must be [1, ${length}, channels] with axes [batch, position, channel], every layer the same channels`);
    }
  }
  const accuracy = card.metrics.copy_accuracy;
  if (accuracy === undefined) throw new Error('needs metrics.copy_accuracy (held-out share of symbols recalled right)');
  return {
    graph: graph.name, ids, length, vocab: ids.vocab, logits, vocabSize, delta, channels: channels as number, task, symbolIds,
    accuracy, heldOut: card.metrics.held_out_sequences,
  };
}

/** Both cards, read together: they run on the same ids, so the task, its tokens and the layers must agree. */
export function copyPair(card: ModelCard, twin: ModelCard): [CopyLayout, CopyLayout] {
  const a = copyLayout(card);
  let b: CopyLayout;
  try {
    b = copyLayout(twin);
  } catch (err) {
    throw new Error(`the twin ${twin.slug}: ${(err as Error).message}`);
  }
  for (const key of ['body', 'memorise', 'symbols', 'noise', 'recall'] as const) {
    if (a.task[key] !== b.task[key]) throw new Error(`task.${key} differs between ${card.slug} (${a.task[key]}) and ${twin.slug} (${b.task[key]})`);
  }
  if (a.vocabSize !== b.vocabSize) throw new Error(`the two models have different vocabularies (${a.vocabSize} and ${b.vocabSize} tokens)`);
  const layers = (l: CopyLayout) => l.delta.map((o) => o.ssm!.layer).join(', ');
  if (layers(a) !== layers(b)) throw new Error(`the two models must show Δ for the same layers (${layers(a)} and ${layers(b)})`);
  return [a, b];
}

/** Checks the fetched vocabulary against the card: its size and which tokens are noise and recall. */
export function checkVocab(vocab: CopyVocab, layout: CopyLayout): void {
  const { task } = layout;
  if (!Array.isArray(vocab.tokens) || vocab.tokens.length !== layout.vocabSize || vocab.noise !== task.noise || vocab.recall !== task.recall) {
    throw new Error(`${layout.vocab} must list ${layout.vocabSize} tokens with noise ${task.noise} and recall ${task.recall}, as the card says`);
  }
}

/** A sequence by the task's rules, the same for the same seed everywhere: `memorise` symbols, each drawn
 * uniformly (repeats allowed), at distinct random places of the body, in the order of their places; noise
 * elsewhere; then the recall markers. */
export function randomSequence(layout: CopyLayout, seed: number): number[] {
  const { body, memorise, noise, recall } = layout.task;
  const uniform = mulberry32(seed);
  const pick = (n: number) => Math.min(n - 1, Math.floor(uniform() * n));
  // A partial Fisher–Yates shuffle: the first `memorise` entries are a uniform choice of distinct places.
  const places = Array.from({ length: body }, (_, i) => i);
  for (let i = 0; i < memorise; i++) {
    const j = i + pick(body - i);
    [places[i], places[j]] = [places[j]!, places[i]!];
  }
  const ids = Array.from({ length: layout.length }, (_, i) => (i < body ? noise : recall));
  for (const place of places.slice(0, memorise).sort((x, y) => x - y)) ids[place] = layout.symbolIds[pick(layout.symbolIds.length)]!;
  return ids;
}

/** The body positions that hold a symbol, in order. */
export function symbolPlaces(ids: readonly number[], layout: CopyLayout): number[] {
  const symbols = new Set(layout.symbolIds);
  return ids.slice(0, layout.task.body).flatMap((id, i) => (symbols.has(id) ? [i] : []));
}

/** The token after `id` when the reader cycles a body position: noise, then every symbol, then noise. */
export function nextToken(id: number, layout: CopyLayout): number {
  const cycle = [layout.task.noise, ...layout.symbolIds];
  return cycle[(cycle.indexOf(id) + 1) % cycle.length]!;
}

/** What a model recalls: the most likely token (the first on a tie, like PyTorch's argmax) at each recall
 * marker, from logits [1, length, vocabulary]. */
export function recalled(logits: ArrayLike<number>, layout: CopyLayout): number[] {
  const { body, memorise } = layout.task;
  const v = layout.vocabSize;
  return Array.from({ length: memorise }, (_, k) => {
    const row = (body + k) * v;
    let best = 0;
    for (let id = 1; id < v; id++) if (logits[row + id]! > logits[row + best]!) best = id;
    return best;
  });
}
