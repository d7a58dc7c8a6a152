import type { ModelCard } from './card';

/** Number of residual blocks a card exposes (outputs block<i>_x, block<i>_fx, block<i>_out). */
export function blockCount(card: ModelCard): number {
  return card.outputs.filter((o) => /^block\d+_fx$/.test(o.name)).length;
}
