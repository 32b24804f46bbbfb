import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The renderer folder of this checkout or package (same depth from src/console and dist/console). */
export const RENDERER_DIR = fileURLToPath(new URL('../../renderer/', import.meta.url));
export const RENDERER_DIST = join(RENDERER_DIR, 'dist');
const STAMP = '.build-hash';

/** A hash of every input of the windows' build (sources, html, config, the UI packages' versions). */
function sourceHash(): string | null {
  const src = join(RENDERER_DIR, 'src');
  if (!existsSync(src)) return null;
  const hash = createHash('sha256');
  const add = (path: string) => {
    if (!existsSync(path)) return;
    if (statSync(path).isDirectory()) for (const name of readdirSync(path).sort()) add(join(path, name));
    else hash.update(path.slice(RENDERER_DIR.length)).update('\0').update(readFileSync(path)).update('\0');
  };
  for (const input of ['index.html', 'vite.config.ts', 'tsconfig.json', 'src', 'public']) add(join(RENDERER_DIR, input));
  for (const pkg of ['vite', 'preact']) add(join(RENDERER_DIR, '..', 'node_modules', pkg, 'package.json'));
  return hash.digest('hex');
}

/**
 * Builds the windows with Vite when `renderer/dist` is missing or older than its sources (a
 * content hash, so a checkout's timestamps do not matter); returns the folder to serve. A
 * package without the sources serves its prebuilt dist. The build goes to a temporary folder
 * that replaces dist in one rename, so a concurrent reader never sees half a build.
 */
export async function ensureRendererBuilt(log: (line: string) => void = () => undefined): Promise<string> {
  const hash = sourceHash();
  const stamp = join(RENDERER_DIST, STAMP);
  const built = existsSync(join(RENDERER_DIST, 'index.html'));
  if (hash === null || (built && existsSync(stamp) && readFileSync(stamp, 'utf8') === hash)) {
    if (!built) throw new Error(`the console windows are missing (${RENDERER_DIST}) and there are no sources to build them`);
    return RENDERER_DIST;
  }
  log('building the console windows (vite)…');
  const { build } = await import('vite');
  const out = join(RENDERER_DIR, `.dist-${process.pid}-${Date.now()}`);
  await build({ configFile: join(RENDERER_DIR, 'vite.config.ts'), root: RENDERER_DIR, logLevel: 'warn', build: { outDir: out, emptyOutDir: true } });
  writeFileSync(join(out, STAMP), hash);
  const old = `${out}-old`;
  try {
    if (existsSync(RENDERER_DIST)) renameSync(RENDERER_DIST, old);
    renameSync(out, RENDERER_DIST);
  } catch {
    // Another process swapped its own build in meanwhile: it is built from the same sources.
    rmSync(out, { recursive: true, force: true });
  }
  rmSync(old, { recursive: true, force: true });
  return RENDERER_DIST;
}
