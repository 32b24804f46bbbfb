import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

export interface StaticFile {
  readonly body: Buffer;
  readonly type: string;
}

/**
 * The built windows, read into memory once: only these exact paths are ever served (no path
 * from a request touches the file system).
 */
export function loadStaticFiles(dir: string): ReadonlyMap<string, StaticFile> {
  if (!existsSync(join(dir, 'index.html'))) throw new Error(`the console windows are not built (no ${join(dir, 'index.html')})`);
  const files = new Map<string, StaticFile>();
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const full = join(folder, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (!name.startsWith('.')) {
        files.set(`/${relative(dir, full).split(sep).join('/')}`, { body: readFileSync(full), type: TYPES[extname(name)] ?? 'application/octet-stream' });
      }
    }
  };
  walk(dir);
  return files;
}
