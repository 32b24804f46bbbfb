import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { app } from 'electron';
import { linuxAutostartEntry } from './autostart.js';

/** Start at login: Electron's login item on Windows and macOS, our XDG autostart file on Linux. */
export interface LoginItem {
  get(): boolean;
  set(enabled: boolean): void;
}

export function loginItem(platform: NodeJS.Platform, env: NodeJS.ProcessEnv = process.env): LoginItem {
  if (platform === 'linux') {
    const entry = () => linuxAutostartEntry({ execPath: process.execPath, env });
    return {
      get: () => existsSync(entry().path),
      set: (enabled) => {
        const { path, content } = entry();
        if (enabled) {
          mkdirSync(dirname(path), { recursive: true });
          writeFileSync(path, content, { mode: 0o644 });
        } else {
          rmSync(path, { force: true });
        }
      },
    };
  }
  return {
    get: () => app.getLoginItemSettings().openAtLogin,
    set: (enabled) => app.setLoginItemSettings({ openAtLogin: enabled, args: ['--hidden'] }),
  };
}
