import { readFile } from 'node:fs/promises';
import { parseCard, type ModelCard } from '../card';

/** Reads and validates public/models/<slug>/card.json at build time; a bad card fails the build. */
export async function readCard(slug: string): Promise<ModelCard> {
  const path = `public/models/${slug}/card.json`;
  const text = await readFile(path, 'utf8').catch(() => {
    throw new Error(`${path} is missing: run \`npm run models -- ${slug}\``);
  });
  try {
    return parseCard(JSON.parse(text));
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`);
  }
}
