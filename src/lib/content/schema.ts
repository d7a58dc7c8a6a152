import { z } from 'astro/zod';

/** Front matter of content/chapters/<slug>/{zh,en}.mdx. */
export const chapterSchema = z.object({
  title: z.string().min(1).describe('Chapter title in the file’s language'),
  summary: z.string().min(1).describe('One sentence shown on the home page card'),
  order: z.number().int().positive().describe('Position in the chapter list; the same in both languages'),
  model: z
    .string()
    .regex(/^[a-z0-9-]+$/)
    .describe('Slug of the model under public/models/<model>/ that the chapter’s widgets run'),
  paper: z
    .object({
      title: z.string().min(1),
      authors: z.string().min(1),
      year: z.number().int().min(1950).max(2100),
      link: z.url(),
    })
    .describe('The paper that introduced the architecture'),
});

export type ChapterData = z.infer<typeof chapterSchema>;
