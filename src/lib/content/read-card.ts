import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { type ModelCard } from '../card';
import { parseCard } from '../card/parse';

/** Every shipped model's slug (a folder of public/models with a card), sorted: the device page, its e2e
 * test and `npm run bench` all time this list. */
export function shippedModels(): string[] {
  return readdirSync('public/models').filter((slug) => existsSync(`public/models/${slug}/card.json`)).sort();
}

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

/** Reads one of the files a card lists (a schedule, a vocabulary) as JSON at build time. */
export async function readCardFile<T>(card: ModelCard, file: string): Promise<T> {
  if (!(file in card.files)) throw new Error(`${card.slug}: ${file} is not listed in the card's files`);
  const path = `public/models/${card.slug}/${file}`;
  return JSON.parse(await readFile(path, 'utf8')) as T;
}
