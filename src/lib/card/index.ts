/** Reading model cards: validation with errors that name the field, and lookups widgets share. */
import { cardSchema, type GraphSpec, type ModelCard, type OutputRole, type OutputSpec } from './schema';

export * from './schema';

/** Validates parsed card JSON; throws an Error naming every bad field and what it must be. */
export function parseCard(raw: unknown): ModelCard {
  const result = cardSchema.safeParse(raw);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `${i.path.join('.') || 'card'}: ${i.message}`);
  throw new Error(lines.join('; '));
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
