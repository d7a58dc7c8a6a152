// Zod for the site, set up once. Zod probes whether it may compile its parsers with Function(''); the site's
// CSP refuses eval, so that probe would be reported as a violation on every page with a widget. Jitless
// parsing gives the same results.
import { z } from 'astro/zod';

z.config({ jitless: true });

export { z };
