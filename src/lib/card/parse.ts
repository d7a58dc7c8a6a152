/** Validating a card read from disk, with errors that name the field. */
import { cardSchema, type ModelCard } from './schema';

/** Validates parsed card JSON; throws an Error naming every bad field and what it must be. */
export function parseCard(raw: unknown): ModelCard {
  const result = cardSchema.safeParse(raw);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `${i.path.join('.') || 'card'}: ${i.message}`);
  throw new Error(lines.join('; '));
}
