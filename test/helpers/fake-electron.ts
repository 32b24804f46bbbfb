/**
 * A small stand-in for the `electron` module, the one boundary the desktop tests fake (the
 * binary cannot run here). It records what main does — windows with their options, the tray's
 * icon/tooltip/menu, notifications, IPC handlers — and runs `utilityProcess.fork` as a real Node
 * child (through tsx) so the agent behind it is the real one.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';

type Template = { label?: string; type?: string; enabled?: boolean; checked?: boolean; id?: string; click?: () => void; submenu?: Template[] };

class FakeWebContents extends EventEmitter {
  private static nextId = 1;
  readonly id = FakeWebContents.nextId++;
  readonly mainFrame = { url: '' };
  readonly sent: { channel: string; payload: unknown }[] = [];
  openHandler: ((details: { url: string }) => { action: string }) | null = null;
  destroyed = false;
  send(channel: string, payload: unknown): void {
    this.sent.push({ channel, payload });
  }
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.openHandler = handler;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
}

class FakeBrowserWindow extends EventEmitter {
  readonly webContents = new FakeWebContents();
  visible = false;
  destroyed = false;
  url = '';
  constructor(readonly options: { webPreferences?: Record<string, unknown> } & Record<string, unknown>) {
    super();
    fake.windows.push(this);
    fake.app.emit('web-contents-created', {}, this.webContents);
  }
  loadURL(url: string): Promise<void> {
    this.url = url;
    this.webContents.mainFrame.url = url;
    setImmediate(() => this.emit('ready-to-show'));
    return Promise.resolve();
  }
  show(): void {
    this.visible = true;
  }
  focus(): void {}
  restore(): void {}
  isMinimized(): boolean {
    return false;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  destroy(): void {
    this.destroyed = true;
    this.webContents.destroyed = true;
    this.emit('closed');
  }
  static getFocusedWindow(): null {
    return null;
  }
}

class FakeTray extends EventEmitter {
  image: { path: string };
  tooltip = '';
  title = '';
  menu: Template[] = [];
  readonly images: string[] = [];
  constructor(image: { path: string }) {
    super();
    this.image = image;
    this.images.push(image.path);
    fake.trays.push(this);
  }
  setImage(image: { path: string }): void {
    this.image = image;
    this.images.push(image.path);
  }
  setToolTip(text: string): void {
    this.tooltip = text;
  }
  setTitle(text: string): void {
    this.title = text;
  }
  setContextMenu(menu: { items: Template[] }): void {
    this.menu = menu.items;
  }
  /** Clicks the menu item with this action id (searching submenus). */
  click(id: string): void {
    const find = (items: Template[]): Template | undefined => {
      for (const item of items) {
        if (item.id === id) return item;
        const inner = item.submenu ? find(item.submenu) : undefined;
        if (inner) return inner;
      }
      return undefined;
    };
    const item = find(this.menu);
    if (!item?.click) throw new Error(`no menu item "${id}"`);
    item.click();
  }
}

class FakeNotification extends EventEmitter {
  constructor(readonly options: { title: string; body: string }) {
    super();
  }
  static isSupported(): boolean {
    return true;
  }
  show(): void {
    fake.notifications.push(this);
  }
}

const UTILITY_SHIM = fileURLToPath(new URL('./fake-electron-utility.ts', import.meta.url));

class FakeUtilityProcess extends EventEmitter {
  readonly child: ChildProcess;
  constructor(modulePath: string, options: { env?: Record<string, string> }) {
    super();
    this.child = fork(UTILITY_SHIM, [], {
      execArgv: ['--import', 'tsx'],
      env: { ...(options.env ?? process.env), FAKE_UTILITY_ENTRY: modulePath },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    // Like Electron, messages posted before the child listens are queued, not lost.
    this.child.on('message', (message) => {
      if ((message as { fakeShimReady?: boolean }).fakeShimReady) {
        this.ready = true;
        for (const queued of this.queue.splice(0)) this.child.send(queued as object);
      } else {
        this.emit('message', message);
      }
    });
    this.child.on('exit', (code) => this.emit('exit', code ?? 0));
    fake.children.push(this);
  }
  private ready = false;
  private readonly queue: unknown[] = [];
  postMessage(message: unknown): void {
    if (!this.ready) this.queue.push(message);
    else if (this.child.connected) this.child.send(message as object);
  }
  kill(): boolean {
    return this.child.kill();
  }
}

class FakeApp extends EventEmitter {
  isPackaged = false;
  quitted = false;
  lockHeld = false;
  loginItem = false;
  whenReady(): Promise<void> {
    return Promise.resolve();
  }
  requestSingleInstanceLock(): boolean {
    if (fake.otherInstanceRunning) return false;
    this.lockHeld = true;
    return true;
  }
  getPath(name: string): string {
    const path = fake.paths[name];
    if (!path) throw new Error(`fake electron: no path "${name}"`);
    return path;
  }
  getPreferredSystemLanguages(): string[] {
    return fake.languages;
  }
  getLoginItemSettings(): { openAtLogin: boolean } {
    return { openAtLogin: this.loginItem };
  }
  setLoginItemSettings(settings: { openAtLogin: boolean }): void {
    this.loginItem = settings.openAtLogin;
  }
  quit(): void {
    const event = { defaultPrevented: false, preventDefault: () => (event.defaultPrevented = true) };
    this.emit('before-quit', event);
    if (event.defaultPrevented) return;
    this.quitted = true;
    this.emit('quit');
  }
}

export const fake = {
  app: new FakeApp(),
  windows: [] as FakeBrowserWindow[],
  trays: [] as FakeTray[],
  notifications: [] as FakeNotification[],
  children: [] as FakeUtilityProcess[],
  handlers: new Map<string, (event: unknown, args: unknown) => Promise<unknown>>(),
  protocols: new Map<string, (request: { url: string }) => Response>(),
  schemes: [] as unknown[],
  opened: [] as string[],
  paths: {} as Record<string, string>,
  languages: ['en-US'],
  otherInstanceRunning: false,
  permissionHandler: null as ((contents: unknown, permission: string, callback: (ok: boolean) => void) => void) | null,
};

export const app = fake.app;
export const BrowserWindow = FakeBrowserWindow;
export const Tray = FakeTray;
export const Notification = FakeNotification;
export const Menu = { buildFromTemplate: (items: Template[]) => ({ items }) };
export const nativeImage = { createFromPath: (path: string) => ({ path, setTemplateImage: () => undefined }) };
export const ipcMain = {
  handle: (channel: string, handler: (event: unknown, args: unknown) => Promise<unknown>) => {
    if (fake.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    fake.handlers.set(channel, handler);
  },
  removeHandler: (channel: string) => fake.handlers.delete(channel),
};
export const protocol = {
  registerSchemesAsPrivileged: (schemes: unknown[]) => fake.schemes.push(...schemes),
  handle: (scheme: string, handler: (request: { url: string }) => Response) => fake.protocols.set(scheme, handler),
};
export const session = {
  defaultSession: {
    setPermissionRequestHandler: (handler: typeof fake.permissionHandler) => (fake.permissionHandler = handler),
    setPermissionCheckHandler: () => undefined,
  },
};
export const shell = {
  openPath: (path: string) => {
    fake.opened.push(path);
    return Promise.resolve('');
  },
};
export const dialog = { showSaveDialog: () => Promise.resolve({ canceled: true, filePath: undefined }) };
export const safeStorage = {
  isEncryptionAvailable: () => true,
  encryptString: (plain: string) => Buffer.from(`sealed:${Buffer.from(plain).toString('base64')}`),
  decryptString: (sealed: Buffer) => Buffer.from(sealed.toString().replace(/^sealed:/, ''), 'base64').toString(),
  getSelectedStorageBackend: () => 'gnome_libsecret',
};
export const utilityProcess = { fork: (modulePath: string, _args: string[], options: { env?: Record<string, string> }) => new FakeUtilityProcess(modulePath, options) };

export type { FakeBrowserWindow, FakeTray, FakeWebContents };
