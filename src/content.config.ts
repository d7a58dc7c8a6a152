import { defineCollection } from 'astro:content';
import { glob } from 'astro/loaders';
import { chapterSchema } from './lib/content/schema';

/** content/chapters/<slug>/<lang>.mdx — one folder per chapter, one file per language. */
const chapters = defineCollection({
  loader: glob({ pattern: '*/{zh,en}.mdx', base: './content/chapters' }),
  schema: chapterSchema,
});

export const collections = { chapters };
