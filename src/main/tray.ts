import { Menu, Tray, nativeImage, type MenuItemConstructorOptions } from 'electron';
import { join } from 'node:path';
import type { DesktopState } from './desktop-state.js';
import { SYNCING_AFTER_MS, type TrayState } from './view/aggregate.js';
import type { TrayLocale } from './view/messages.js';
import { trayIconFile } from './view/tray-icon.js';
import { trayModel, type MenuItemModel, type Platform, type TrayAction } from './view/tray-model.js';

/** The model's menu as Electron's template; a click calls `onAction` with the item's action. */
export function menuTemplate(items: readonly MenuItemModel[], onAction: (action: TrayAction) => void): MenuItemConstructorOptions[] {
  return items.map((item): MenuItemConstructorOptions => {
    switch (item.kind) {
      case 'line':
        return { label: item.label, enabled: false };
      case 'separator':
        return { type: 'separator' };
      case 'action':
        return { id: item.action, label: item.label, click: () => onAction(item.action) };
      case 'checkbox':
        return { id: item.action, label: item.label, type: 'checkbox', checked: item.checked, click: () => onAction(item.action) };
      case 'submenu':
        return { label: item.label, submenu: menuTemplate(item.items, onAction) };
    }
  });
}

/** The tray icon, redrawn from `trayModel` on every state change (and once more when a run passes 2 s). */
export function setupTray(opts: {
  readonly state: DesktopState;
  readonly locale: TrayLocale;
  readonly platform: Platform;
  readonly resources: string;
  readonly onAction: (action: TrayAction) => void;
}): Tray {
  const image = (state: TrayState) => {
    const icon = nativeImage.createFromPath(join(opts.resources, trayIconFile(state, opts.platform)));
    if (opts.platform === 'darwin') icon.setTemplateImage(true);
    return icon;
  };
  let shown: TrayState = 'syncing';
  const tray = new Tray(image(shown));
  let ripen: NodeJS.Timeout | null = null;
  const render = () => {
    const status = opts.state.current;
    const model = trayModel(status, opts.locale, opts.platform);
    if (model.state !== shown) tray.setImage(image(model.state));
    shown = model.state;
    tray.setToolTip(model.tooltip);
    if (opts.platform === 'darwin') tray.setTitle(model.title);
    tray.setContextMenu(Menu.buildFromTemplate(menuTemplate(model.menu, opts.onAction)));
    // "Syncing" shows only for runs longer than 2 s: look again when this one gets there.
    if (status.syncingSince !== null && model.state !== 'syncing' && !ripen) {
      ripen = setTimeout(() => {
        ripen = null;
        opts.state.update({});
      }, SYNCING_AFTER_MS + 50);
    }
  };
  // Windows and macOS: a click on the icon opens Status (Linux's AppIndicator never sends it).
  tray.on('click', () => opts.onAction('open-status'));
  opts.state.onChange(render);
  render();
  return tray;
}
