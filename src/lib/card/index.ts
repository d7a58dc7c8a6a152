/** Model cards in the browser and in Node: the types, the closed lists and the lookups widgets share. No zod
 * here, so widgets do not load it: cards are validated where they are read from disk (`parseCard` in
 * ./parse, used when the site is built), and a page embeds the validated result. */
import type { GraphSpec, ModelCard, OutputRole, OutputSpec } from './schema';

export type * from './schema';
export * from './constants';

/** The cards a page embeds as JSON (WidgetShell, DeviceBench): validated by the build (parseCard in readCard)
 * before it wrote them, so they are read as they are. */
export function embeddedCards(json: string | null): ModelCard[] {
  return JSON.parse(json ?? '[]') as ModelCard[];
}

/** The graph called `name`, or the model's only (first) graph. */
export function graphOf(card: ModelCard, name?: string): GraphSpec {
  const graph = name === undefined ? card.graphs[0] : card.graphs.find((g) => g.name === name);
  if (!graph) throw new Error(`${card.slug} has no graph "${name}" (it has ${card.graphs.map((g) => g.name).join(', ')})`);
  return graph;
}

/** The outputs of one role of a graph (the first graph by default), in graph order. */
export function outputsWithRole(card: ModelCard, role: OutputRole, graph?: string): OutputSpec[] {
  return graphOf(card, graph).outputs.filter((o) => o.role === role);
}

/** URL of a file in the model's folder on the site. */
export function modelFileUrl(card: Pick<ModelCard, 'slug'>, file: string): string {
  return `/models/${card.slug}/${file}`;
}

/** Number of residual blocks a card's first graph exposes (outputs block<i>_x, block<i>_fx, block<i>_out). */
export function blockCount(card: ModelCard): number {
  return graphOf(card).outputs.filter((o) => /^block\d+_fx$/.test(o.name)).length;
}
