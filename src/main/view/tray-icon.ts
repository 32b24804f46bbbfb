import type { TrayState } from './aggregate.js';
import type { Platform } from './tray-model.js';

/**
 * The icon file for a state under `resources/tray/`: macOS gets a template image (black + alpha,
 * tinted by the menu bar; `@2x` picked up by Electron), Windows an .ico (16 + 32 px), Linux a PNG.
 */
export function trayIconFile(state: TrayState, platform: Platform): string {
  if (platform === 'darwin') return `tray/${state}Template.png`;
  if (platform === 'win32') return `tray/${state}.ico`;
  return `tray/${state}-32.png`;
}
