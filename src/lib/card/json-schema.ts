import { z } from '../zod';
import { cardSchema } from './schema.ts';

/** The card schema as JSON Schema text (draft 2020-12). Refinements across fields (hashes listed in
 * `files`, rates within [0, 1]) are checked by parseCard only. */
export function cardJsonSchema(): string {
  return JSON.stringify(z.toJSONSchema(cardSchema, { target: 'draft-2020-12', io: 'input' }), null, 1) + '\n';
}
