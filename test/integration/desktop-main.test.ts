import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { channels } from '../../src/contract/channels.js';
import { ipcChannel, type IpcReply } from '../../src/contract/ipc.js';
import type { Desktop } from '../../src/main/main.js';
import { fake, type FakeTray } from '../helpers/fake-electron.js';
import { startHub, waitFor, type RunningHub } from '../helpers/fixtures.js';
import { adminPut, openPos } from '../helpers/local-db.js';

// The one fake: Electron itself (its binary cannot run here). The agent, its database, the hub
// and the utility process (a real Node child) are real.
vi.mock('electron', () => import('../helpers/fake-electron.js'));

const { startDesktop } = await import('../../src/main/main.js');

const COLUMNS = { id: 'TEXT NOT NULL', first_name: 'TEXT', email: 'TEXT' };

let dir: string;
let hub: RunningHub;
let desktop: Desktop;
let pos: Database.Database;
let adminKey: string;
let tray: FakeTray;

const menuLabels = () => tray.menu.map((item) => item.label ?? '—');
const reply = async (channel: string, event: unknown, args: unknown) => (await fake.handlers.get(channel)!(event, args)) as IpcReply;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dovetail-desktop-'));
  hub = await startHub(dir, { port: 0 });
  adminKey = await hub.adminKey();
  const dbPath = join(dir, 'shop.db');
  const configPath = join(dir, 'dovetail.json');
  writeFileSync(
    configPath,
    JSON.stringify({ hub: { url: hub.url, timeoutMs: 3000 }, database: { type: 'sqlite', path: dbPath }, entities: [{ name: 'customers', direction: 'both', conflict: 'manual', create: { columns: COLUMNS } }] }),
  );
  Object.assign(fake.paths, { userData: join(dir, 'user-data'), logs: join(dir, 'logs') });
  const started = await startDesktop({ ...process.env, DOVETAIL_CONFIG: configPath, REMOTE_API_KEY: await hub.nodeKey(), XDG_CONFIG_HOME: join(dir, 'xdg') });
  desktop = started!;
  tray = fake.trays[0]!;
  await waitFor(() => desktop.state.current.snapshot?.instances[0]?.state === 'online', 15_000, 'the agent online');
  pos = openPos(dbPath);
}, 30_000);

afterAll(async () => {
  pos?.close();
  for (const child of fake.children) child.kill();
  await hub?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the desktop main process, booted against the fake electron module', () => {
  it('holds the single-instance lock, registers app:// and starts at login on first run', () => {
    expect(fake.app.lockHeld).toBe(true);
    expect(fake.schemes).toEqual([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
    // First run turned the XDG autostart entry on (this machine is Linux).
    expect(readFileSync(join(dir, 'xdg', 'autostart', 'app.dovetail.agent.desktop'), 'utf8')).toContain('Exec=');
    expect(desktop.state.current.startAtLogin).toBe(true);
    // The key from REMOTE_API_KEY was sealed with safeStorage, never written in clear.
    const sealed = readFileSync(join(dir, 'user-data', 'hub-key.bin'), 'utf8');
    expect(sealed.startsWith('sealed:')).toBe(true);
  });

  it('shows the agent state in the tray', async () => {
    await waitFor(() => tray.image.path.endsWith('tray/online-32.png'), 5000, 'the online icon');
    expect(tray.tooltip).toMatch(/^Dovetail — Online/);
    expect(menuLabels()[0]).toMatch(/^Everything is up to date/);
  });

  it('Sync now in the menu starts a run', async () => {
    const before = (await desktop.host.api.runs({ instance: 'default' })).length;
    tray.click('sync-now');
    await waitFor(async () => (await desktop.host.api.runs({ instance: 'default' })).some((r) => r.trigger === 'manual'), 10_000, 'a manual run');
    expect((await desktop.host.api.runs({ instance: 'default' })).length).toBeGreaterThan(before);
  });

  it('a new manual conflict shows one notification; clicking it opens the Conflicts window', async () => {
    await adminPut(hub.url, adminKey, 'customers', 'c1', { id: 'c1', first_name: 'Ana', email: 'a@old' });
    await waitFor(() => pos.prepare("SELECT 1 FROM customers WHERE id = 'c1'").get(), 10_000, 'c1 pulled');
    tray.click('pause-15m');
    await waitFor(() => tray.image.path.endsWith('tray/paused-32.png'), 5000, 'the paused icon');
    expect(tray.menu.some((item) => item.id === 'resume')).toBe(true);
    pos.prepare("UPDATE customers SET first_name = 'Ana (shop)' WHERE id = 'c1'").run();
    await adminPut(hub.url, adminKey, 'customers', 'c1', { id: 'c1', first_name: 'Ana (online)', email: 'a@old' });
    tray.click('resume');
    await waitFor(() => desktop.state.current.snapshot?.instances[0]?.conflicts === 1, 10_000, 'one open conflict');
    await waitFor(() => fake.notifications.length === 1, 5000, 'a notification');
    expect(fake.notifications[0]!.options.title).toBe('A conflict needs you');
    await waitFor(() => tray.image.path.endsWith('tray/conflicts-32.png'), 5000, 'the conflicts icon');
    expect(tray.menu.find((item) => item.id === 'open-conflicts')?.label).toBe('Resolve conflicts (1)…');
    // More status changes within the same episode: still one notification.
    tray.click('sync-now');
    await waitFor(async () => (await desktop.host.api.runs({ instance: 'default' })).filter((r) => r.trigger === 'manual').length >= 2, 10_000, 'a second run');
    expect(fake.notifications).toHaveLength(1);
    fake.notifications[0]!.emit('click');
    const win = fake.windows.at(-1)!;
    expect(win.url).toBe('app://dovetail/index.html#/conflicts');
  });

  it('creates every window with the locked-down webPreferences, and blocks navigation and new windows', async () => {
    await desktop.runAction('open-status');
    await desktop.runAction('open-status'); // reused, not a second window
    await desktop.runAction('open-conflicts');
    expect(fake.windows).toHaveLength(2);
    for (const win of fake.windows) {
      expect(win.options.webPreferences).toMatchObject({
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        nodeIntegrationInWorker: false,
        nodeIntegrationInSubFrames: false,
        webviewTag: false,
        webSecurity: true,
        allowRunningInsecureContent: false,
        disableBlinkFeatures: 'Auxclick',
      });
      expect(String(win.options.webPreferences!.preload)).toMatch(/preload\.cjs$/);
      expect(win.url.startsWith('app://dovetail/')).toBe(true);
      const contents = win.webContents;
      const navigation = { prevented: false, preventDefault: () => (navigation.prevented = true) };
      contents.emit('will-navigate', navigation, 'https://evil.example/');
      expect(navigation.prevented).toBe(true);
      const webview = { prevented: false, preventDefault: () => (webview.prevented = true) };
      contents.emit('will-attach-webview', webview, {}, {});
      expect(webview.prevented).toBe(true);
      expect(contents.openHandler!({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    }
    let granted: boolean | null = null;
    fake.permissionHandler!({}, 'media', (ok) => (granted = ok));
    expect(granted).toBe(false);
  });

  it('serves the built renderer over app:// with the CSP, and nothing else', async () => {
    const handler = fake.protocols.get('app')!;
    const ok = handler({ url: 'app://dovetail/index.html' });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(ok.headers.get('content-security-policy')).not.toContain('report-uri');
    expect(await ok.text()).toContain('<div id="app">');
    expect(handler({ url: 'app://dovetail/../package.json' }).status).toBe(404);
    expect(handler({ url: 'app://other/index.html' }).status).toBe(404);
  });

  it('every IPC handler refuses a foreign sender and a bad argument, and answers our window', async () => {
    const own = fake.windows[0]!.webContents;
    const trusted = { sender: own, senderFrame: own.mainFrame };
    const otherWindow = { sender: { ...own, id: 999 }, senderFrame: own.mainFrame };
    const foreignPage = { sender: own, senderFrame: { url: 'https://evil.example/' } };
    const noFrame = { sender: own, senderFrame: null };
    expect([...fake.handlers.keys()].sort()).toEqual(channels.map(ipcChannel).sort());
    for (const channel of channels) {
      for (const event of [otherWindow, foreignPage, noFrame]) {
        const answer = await reply(ipcChannel(channel), event, {});
        expect(answer, `${channel} from a foreign sender`).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      }
      const bad = await reply(ipcChannel(channel), trusted, { notAnArgument: true });
      expect(bad, `${channel} with a bad argument`).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    }
    const status = await reply(ipcChannel('status'), trusted, {});
    expect(status.ok).toBe(true);
    const login = await reply(ipcChannel('getStartAtLogin'), trusted, {});
    expect(login).toEqual({ ok: true, value: { supported: true, enabled: true } });
    // Status events reach our open windows.
    await waitFor(() => own.sent.some((m) => m.channel === 'agent:event'), 5000, 'an event sent to the window');
  });

  it('the hub going away turns the tray offline; the menu says what waits', async () => {
    await hub.stop();
    pos.prepare("INSERT INTO customers (id, first_name) VALUES ('c2', 'Bia')").run();
    tray.click('sync-now');
    await waitFor(() => tray.tooltip.includes('Offline') || tray.image.path.endsWith('tray/offline-32.png'), 15_000, 'offline in the tray');
    // The open conflict outranks offline for the icon; the tooltip and menu still say offline.
    expect(tray.image.path).toMatch(/tray\/(conflicts|offline)-32\.png$/);
    expect(menuLabels().join('\n')).toMatch(/Connection: Offline/);
  });

  it('Quit drains the agent, then the app quits', async () => {
    const child = fake.children[0]!.child;
    tray.click('quit');
    await waitFor(() => fake.app.quitted, 20_000, 'the app to quit');
    expect(child.exitCode).toBe(0);
  });
});
