// Lets Node import the site's own TypeScript modules (src/), not copies of them. They import each other
// without file extensions and use a little TypeScript that is not erasable (parameter properties), which
// Node's own type stripping takes neither of: a relative import under src/ without an extension finds its
// .ts file (or folder/index.ts), and .ts files under src/ go through Node's TypeScript transform.
import { readFileSync } from 'node:fs';
import { registerHooks, stripTypeScriptTypes } from 'node:module';
import { fileURLToPath } from 'node:url';

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (err) {
      if (!specifier.startsWith('.') || !context.parentURL?.includes('/src/')) throw err;
      for (const suffix of ['.ts', '/index.ts']) {
        try {
          return nextResolve(specifier + suffix, context);
        } catch {}
      }
      throw err;
    }
  },
  load(url, context, nextLoad) {
    if (!url.startsWith('file:') || !url.endsWith('.ts') || !url.includes('/src/')) return nextLoad(url, context);
    const source = stripTypeScriptTypes(readFileSync(fileURLToPath(url), 'utf8'), { mode: 'transform', sourceUrl: url });
    return { format: 'module', source, shortCircuit: true };
  },
});
