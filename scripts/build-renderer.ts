import { ensureRendererBuilt } from '../src/console/renderer-build.js';

// `npm run build:renderer`: builds the console windows into renderer/dist when they are missing or stale.
const dist = await ensureRendererBuilt((line) => console.log(line));
console.log(`console windows ready in ${dist}`);
