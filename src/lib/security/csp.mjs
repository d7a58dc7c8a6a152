// The site's Content-Security-Policy, in one place: astro.config.mjs hands it to Astro, which writes it into
// every page as a <meta http-equiv> (so it holds on any static host, headers or not) with the hashes of the
// scripts and styles it bundles. Plain JavaScript so that the config can import it.
import { createHash } from 'node:crypto';

// The one script that must run inline: the theme, set before first paint so a dark page never flashes
// light. Base.astro renders exactly this text, and its hash is allowed below; any other inline script is
// refused by the browser.
export const THEME_SCRIPT = `(function () {
  var saved = localStorage.getItem('net-atlas-theme');
  var dark = saved ? saved === 'dark' : matchMedia('(prefers-color-scheme: dark)').matches;
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
})();`;

const sha256 = (text) => `sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}`;

/** @type {import('astro').AstroUserConfig['security']} */
export const SECURITY = {
  csp: {
    directives: [
      // Everything from our own origin only: pages, models, the runtime's wasm, fonts, search index.
      "default-src 'self'",
      // Pagefind's search box draws its icons as data: SVGs in its stylesheet.
      "img-src 'self' data:",
      "object-src 'none'",
      "base-uri 'self'",
      "form-action 'self'",
    ],
    scriptDirective: {
      // onnxruntime-web and Pagefind compile WebAssembly: that, not eval, is what 'wasm-unsafe-eval' allows.
      resources: ["'self'", "'wasm-unsafe-eval'"],
      hashes: [sha256(THEME_SCRIPT)],
    },
    styleDirective: {
      // <style> and stylesheets: ours only (Astro adds its hashes). style="" attributes are allowed: Shiki
      // colours code tokens and KaTeX sizes formulas with them, and an attribute cannot run code.
      resources: [{ resource: "'self'", kind: 'element' }, { resource: "'unsafe-inline'", kind: 'attribute' }],
    },
  },
};
