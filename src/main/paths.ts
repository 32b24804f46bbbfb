import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the desktop app finds its parts and keeps its files. */
export interface DesktopPaths {
  readonly root: string;
  readonly agentEntry: string;
  readonly preload: string;
  readonly rendererDist: string;
  readonly resources: string;
  readonly config: string;
  readonly userData: string;
  readonly logs: string;
  readonly keyFile: string;
  readonly settingsFile: string;
  readonly firstRunMarker: string;
}

/**
 * From the sources (tests, `tsx`) main is `src/main/main.ts`; bundled it is
 * `dist/desktop/main.js`: both are two folders below the package root. The config is
 * `$DOVETAIL_CONFIG` or `dovetail.json` in the app's data folder.
 */
export function desktopPaths(moduleUrl: string, dirs: { userData: string; logs: string }, env: NodeJS.ProcessEnv): DesktopPaths {
  const here = dirname(fileURLToPath(moduleUrl));
  const root = resolve(here, '../..');
  const fromSource = moduleUrl.endsWith('.ts');
  return {
    root,
    agentEntry: join(here, fromSource ? 'agent-process.ts' : 'agent-process.js'),
    preload: join(root, 'dist', 'desktop', 'preload.cjs'),
    rendererDist: join(root, 'renderer', 'dist'),
    resources: join(root, 'resources'),
    config: env.DOVETAIL_CONFIG ? resolve(env.DOVETAIL_CONFIG) : join(dirs.userData, 'dovetail.json'),
    userData: dirs.userData,
    logs: dirs.logs,
    keyFile: join(dirs.userData, 'hub-key.bin'),
    settingsFile: join(dirs.userData, 'desktop.json'),
    firstRunMarker: join(dirs.userData, '.installed'),
  };
}
