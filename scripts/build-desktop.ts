/**
 * Bundles the Electron shell into dist/desktop/ (what package.json's "main" and
 * electron-builder.yml point at):
 *   main.js           src/main/index.ts — ESM, Electron's main process
 *   agent-process.js  src/main/agent-process.ts — the utilityProcess running the agent
 *   preload.cjs       src/preload/preload.ts — one CommonJS file, as a sandboxed preload must be
 * Native and Electron modules stay external (better-sqlite3 is rebuilt for Electron and unpacked
 * from the asar by electron-builder). Run: `npm run build:desktop` (after `npm run build:renderer`).
 */
import { join } from 'node:path';
import { build } from 'esbuild';

const root = join(import.meta.dirname, '..');
const out = join(root, 'dist', 'desktop');
const external = ['electron', 'better-sqlite3', 'mysql2', 'electron-updater', 'pino', 'thread-stream', 'pino-pretty'];
const banner = { js: "import { createRequire as __dovetailRequire } from 'node:module'; const require = __dovetailRequire(import.meta.url);" };

await build({
  entryPoints: { main: join(root, 'src/main/index.ts'), 'agent-process': join(root, 'src/main/agent-process.ts') },
  outdir: out,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  external,
  banner,
  sourcemap: true,
  logLevel: 'info',
});
await build({
  entryPoints: [join(root, 'src/preload/preload.ts')],
  outfile: join(out, 'preload.cjs'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'chrome140',
  external: ['electron'],
  logLevel: 'info',
});
