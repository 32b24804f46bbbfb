import { BrowserWindow, type WebContents } from 'electron';
import { APP_ORIGIN } from './security.js';

export type WindowKind = 'status' | 'conflicts';

const ROUTES: Record<WindowKind, string> = { status: '#/status', conflicts: '#/conflicts' };

/**
 * Our two windows (Status, Conflicts), each created once and reused: a second "Status…" click
 * focuses it. Every window is created here, with `windowPreferences` — nowhere else.
 */
export class Windows {
  private readonly open = new Map<WindowKind, BrowserWindow>();

  constructor(private readonly preloadPath: string) {}

  show(kind: WindowKind): BrowserWindow {
    const existing = this.open.get(kind);
    if (existing && !existing.isDestroyed()) {
      if (existing.isMinimized()) existing.restore();
      existing.show();
      existing.focus();
      return existing;
    }
    const win = new BrowserWindow({
      width: kind === 'status' ? 1000 : 1100,
      height: 720,
      minWidth: 640,
      minHeight: 480,
      show: false,
      title: 'Dovetail',
      autoHideMenuBar: true,
      // Written out here, literally, so a reviewer and electronegativity both see them.
      webPreferences: {
        preload: this.preloadPath,
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        nodeIntegrationInWorker: false,
        nodeIntegrationInSubFrames: false,
        webviewTag: false,
        webSecurity: true,
        allowRunningInsecureContent: false,
        experimentalFeatures: false,
        navigateOnDragDrop: false,
        safeDialogs: true,
        spellcheck: false,
        // Middle-click would open a link in a new window: off, like every other way out.
        disableBlinkFeatures: 'Auxclick',
      },
    });
    this.open.set(kind, win);
    win.on('closed', () => this.open.delete(kind));
    win.once('ready-to-show', () => win.show());
    void win.loadURL(`${APP_ORIGIN}/index.html${ROUTES[kind]}`);
    return win;
  }

  /** Brings any open window forward (a second launch). */
  focusAny(): void {
    const win = [...this.open.values()].find((w) => !w.isDestroyed());
    if (win) this.show(this.kindOf(win));
    else this.show('status');
  }

  contents(): WebContents[] {
    return [...this.open.values()].filter((w) => !w.isDestroyed()).map((w) => w.webContents);
  }

  closeAll(): void {
    for (const win of this.open.values()) if (!win.isDestroyed()) win.destroy();
    this.open.clear();
  }

  private kindOf(win: BrowserWindow): WindowKind {
    for (const [kind, w] of this.open) if (w === win) return kind;
    return 'status';
  }
}
