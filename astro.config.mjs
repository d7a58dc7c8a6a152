// @ts-check
import { defineConfig } from 'astro/config';
import mdx from '@astrojs/mdx';
import { unified } from '@astrojs/markdown-remark';
import remarkMath from 'remark-math';
import rehypeKatex from 'rehype-katex';
import rehypeFocusableMath from './src/lib/content/rehype-focusable-math.mjs';
import { CODE_THEMES } from './src/lib/content/code-themes.mjs';
import { SECURITY } from './src/lib/security/csp.mjs';

// The deployed origin, for absolute URLs (hreflang alternates); the deploy workflow sets SITE_URL. Links in
// the pages start at "/", so the site must be served from the root of its origin.
const site = process.env.SITE_URL || 'http://localhost:4321';
if (new URL(site).pathname !== '/') throw new Error(`SITE_URL ${site}: the site must be served from the root of an origin, not under a path`);

export default defineConfig({
  site,
  trailingSlash: 'always',
  integrations: [mdx()],
  security: SECURITY,
  markdown: {
    // Maths: $…$ and $$…$$ rendered to MathML by KaTeX at build time (the browser typesets it: no fonts or CSS); display
    // maths can be focused, so a formula too wide for the column can be scrolled by keyboard.
    processor: unified({ remarkPlugins: [remarkMath], rehypePlugins: [[rehypeKatex, { output: 'mathml' }], rehypeFocusableMath] }),
    // Both themes are emitted as CSS variables; src/styles/global.css picks one by the page's theme.
    shikiConfig: { themes: CODE_THEMES, defaultColor: false },
  },
  vite: {
    build: { assetsInlineLimit: 0 },
  },
});
