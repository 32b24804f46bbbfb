import { posix } from 'node:path';

/** The file name of our XDG autostart entry. */
export const AUTOSTART_FILE = 'app.dovetail.agent.desktop';

/**
 * Where and what the Linux autostart entry is (Electron's `setLoginItemSettings` does nothing
 * on Linux). `XDG_CONFIG_HOME` wins over `~/.config`, as the XDG spec says; an AppImage is
 * started through `$APPIMAGE` (the mounted path changes at every start).
 */
export function linuxAutostartEntry(opts: {
  readonly execPath: string;
  readonly env: { readonly HOME?: string; readonly XDG_CONFIG_HOME?: string; readonly APPIMAGE?: string };
  readonly name?: string;
}): { readonly path: string; readonly content: string } {
  const base = opts.env.XDG_CONFIG_HOME && posix.isAbsolute(opts.env.XDG_CONFIG_HOME) ? opts.env.XDG_CONFIG_HOME : posix.join(opts.env.HOME ?? '/', '.config');
  const exec = opts.env.APPIMAGE ?? opts.execPath;
  const content = [
    '[Desktop Entry]',
    'Type=Application',
    'Version=1.0',
    `Name=${opts.name ?? 'Dovetail'}`,
    'Comment=Keeps the shop in sync with the online system',
    `Exec=${desktopExecQuote(exec)} --hidden`,
    'Icon=dovetail',
    'Terminal=false',
    'Categories=Utility;',
    'X-GNOME-Autostart-enabled=true',
    'X-GNOME-Autostart-Delay=5',
    '',
  ].join('\n');
  return { path: posix.join(base, 'autostart', AUTOSTART_FILE), content };
}

/** Quotes an Exec= argument per the Desktop Entry spec (double quotes; `"`, `` ` ``, `$`, `\` escaped). */
export function desktopExecQuote(arg: string): string {
  if (/^[A-Za-z0-9_\-./+:=@%]+$/.test(arg)) return arg;
  return `"${arg.replace(/(["`$\\])/g, '\\$1')}"`;
}
