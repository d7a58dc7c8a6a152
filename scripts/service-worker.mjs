// Last step of `npm run build`: dist/sw.js for offline reading (src/lib/offline/service-worker.mjs).
import { writeServiceWorker } from '../src/lib/offline/service-worker.mjs';

const { version, files } = writeServiceWorker('dist');
console.log(`sw.js: version ${version}, ${files.length} files kept for offline reading`);
