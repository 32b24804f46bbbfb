import { existsSync, mkdirSync, openSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { BrowserWindow, Notification, app, dialog, protocol, session, shell, safeStorage, utilityProcess } from 'electron';
import type { AgentApi } from '../contract/agent-api.js';
import { createLogger } from '../core/logger.js';
import { AgentHost } from './agent-host.js';
import { DesktopState } from './desktop-state.js';
import { handleAgentApi, sendAgentEvent } from './ipc.js';
import { loginItem, type LoginItem } from './login-item.js';
import { desktopPaths, type DesktopPaths } from './paths.js';
import { keyStorageIsPlainText, openKey, sealKey } from './secrets.js';
import { APP_SCHEME, appRequestPath, appResponseHeaders } from './security.js';
import { parseSettings, type DesktopSettings } from './settings.js';
import { setupTray } from './tray.js';
import { INITIAL_POLICY_STATE, notificationsFor, type PolicyState } from './view/notification-policy.js';
import { pickTrayLocale, type TrayLocale } from './view/messages.js';
import type { Platform, TrayAction } from './view/tray-model.js';
import { Windows } from './windows.js';

/** A running desktop app (what tests drive; `index.ts` just starts it). */
export interface Desktop {
  readonly state: DesktopState;
  readonly windows: Windows;
  readonly host: AgentHost;
  readonly paths: DesktopPaths;
  runAction(action: TrayAction): Promise<void>;
}

interface Context {
  readonly paths: DesktopPaths;
  readonly platform: Platform;
  readonly locale: TrayLocale;
  readonly settings: DesktopSettings;
  readonly state: DesktopState;
  readonly windows: Windows;
  readonly login: LoginItem;
  readonly logger: ReturnType<typeof createLogger>;
  host: AgentHost | null;
  quitting: boolean;
}

/**
 * Main, as a list of registrars: each `setupX` owns one feature. Returns null when another
 * instance already runs (it is focused instead and this one quits).
 */
export async function startDesktop(env: NodeJS.ProcessEnv = process.env): Promise<Desktop | null> {
  if (!setupSingleInstance()) return null;
  setupContentSecurity();
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
  await app.whenReady();

  const ctx = createContext(env);
  setupAppProtocol(ctx.paths.rendererDist);
  setupFirstRun(ctx);
  const host = setupAgent(ctx, env);
  const api = desktopApi(host.api, ctx);
  setupIpc(ctx, api);
  setupTray({ state: ctx.state, locale: ctx.locale, platform: ctx.platform, resources: ctx.paths.resources, onAction: (a) => void runAction(ctx, api, a) });
  setupNotifications(ctx);
  setupUpdates(ctx);
  setupQuit(ctx);
  app.on('second-instance', () => ctx.windows.focusAny());
  return { state: ctx.state, windows: ctx.windows, host, paths: ctx.paths, runAction: (a) => runAction(ctx, api, a) };
}

function createContext(env: NodeJS.ProcessEnv): Context {
  const platform = (['darwin', 'win32'].includes(process.platform) ? process.platform : 'linux') as Platform;
  const paths = desktopPaths(import.meta.url, { userData: app.getPath('userData'), logs: app.getPath('logs') }, env);
  mkdirSync(paths.logs, { recursive: true });
  const logger = createLogger({ destination: openSync(join(paths.logs, 'main.log'), 'a', 0o600) }).child({ module: 'main' });
  const settings = parseSettings(existsSync(paths.settingsFile) ? readFileSync(paths.settingsFile, 'utf8') : null);
  const login = loginItem(process.platform, env);
  const state = new DesktopState({
    agentError: null,
    startAtLogin: login.get(),
    keyStoredAsPlainText: keyStorageIsPlainText(process.platform, safeStorage),
  });
  const locale = pickTrayLocale(app.getPreferredSystemLanguages());
  return { paths, platform, locale, settings, state, windows: new Windows(paths.preload), login, logger, host: null, quitting: false };
}

/** A second launch focuses the first instance's window instead of starting another agent. */
function setupSingleInstance(): boolean {
  if (app.requestSingleInstanceLock()) return true;
  app.quit();
  return false;
}

/** Every web contents: no navigation, no redirects, no new windows, no webviews, no permissions. */
function setupContentSecurity(): void {
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event) => event.preventDefault());
    contents.on('will-redirect', (event) => event.preventDefault());
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });
  void app.whenReady().then(() => {
    session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
    session.defaultSession.setPermissionCheckHandler(() => false);
  });
}

/** `app://dovetail/…` serves the built renderer (read into memory at start) with the console's CSP. */
function setupAppProtocol(dist: string): void {
  const files = new Map<string, Buffer>();
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else files.set(relative(dist, full).split('\\').join('/'), readFileSync(full));
    }
  };
  walk(dist);
  const names = new Set(files.keys());
  protocol.handle(APP_SCHEME, (request) => {
    const path = appRequestPath(request.url, names);
    if (path === null) return new Response('not found', { status: 404, headers: { 'content-type': 'text/plain' } });
    return new Response(new Uint8Array(files.get(path)!), { status: 200, headers: appResponseHeaders(path) });
  });
}

/** First start after install: start at login on, as the installer promised. */
function setupFirstRun(ctx: Context): void {
  if (existsSync(ctx.paths.firstRunMarker)) return;
  mkdirSync(ctx.paths.userData, { recursive: true });
  ctx.login.set(true);
  ctx.state.update({ startAtLogin: ctx.login.get() });
  writeFileSync(ctx.paths.firstRunMarker, new Date().toISOString());
}

/** The agent runs in a utilityProcess; the key comes from safeStorage (or REMOTE_API_KEY, then sealed). */
function setupAgent(ctx: Context, env: NodeJS.ProcessEnv): AgentHost {
  const { REMOTE_API_KEY: envKey, ...childEnv } = env;
  let key: string | null = null;
  if (envKey) {
    key = envKey;
    const sealed = sealKey(safeStorage, envKey);
    if (sealed) writeFileSync(ctx.paths.keyFile, sealed, { mode: 0o600 });
  } else if (existsSync(ctx.paths.keyFile)) {
    key = openKey(safeStorage, readFileSync(ctx.paths.keyFile));
  }
  const child = utilityProcess.fork(ctx.paths.agentEntry, [], { serviceName: 'Dovetail agent', env: childEnv, stdio: 'ignore' });
  const host = new AgentHost(child);
  ctx.host = host;
  host.onEvent((event) => {
    if (event.name === 'status') ctx.state.update({ snapshot: event.payload, agentError: null });
    else if (event.name === 'fatal') ctx.state.update({ agentError: event.message });
    else if (event.name === 'exit' && !ctx.quitting) ctx.state.update({ agentError: `the agent stopped (exit code ${event.code})` });
    if (event.name === 'status' || event.name === 'runFinished') for (const contents of ctx.windows.contents()) sendAgentEvent(contents, event);
  });
  if (!existsSync(ctx.paths.config)) {
    ctx.state.update({ agentError: `no configuration yet: create ${ctx.paths.config} (see docs/desktop.md)` });
  }
  host.start(ctx.paths.config, key, join(ctx.paths.logs, 'agent.log'));
  ctx.logger.info({ config: ctx.paths.config }, 'agent process started');
  return host;
}

/** The AgentApi the windows get: the agent's, with the login item answered by main. */
function desktopApi(agent: AgentApi, ctx: Context): AgentApi {
  const loginItemState = () => Promise.resolve({ supported: true, enabled: ctx.login.get() });
  return new Proxy(agent, {
    get: (target, name, receiver) => {
      if (name === 'getStartAtLogin') return loginItemState;
      if (name === 'setStartAtLogin') {
        return (args: { enabled: boolean }) => {
          ctx.login.set(args.enabled);
          ctx.state.update({ startAtLogin: ctx.login.get() });
          return loginItemState();
        };
      }
      return Reflect.get(target, name, receiver) as unknown;
    },
  });
}

function setupIpc(ctx: Context, api: AgentApi): void {
  handleAgentApi(api, () => ctx.windows.contents());
}

/** Once per episode, when a person must act; a click opens the window that helps. */
function setupNotifications(ctx: Context): void {
  let policy: PolicyState = INITIAL_POLICY_STATE;
  const check = () => {
    const { snapshot, now } = ctx.state.current;
    if (!snapshot) return;
    const next = notificationsFor(policy, snapshot, now, { enabled: ctx.settings.notifications && Notification.isSupported(), offlineAfterMinutes: ctx.settings.offlineNotifyMinutes, locale: ctx.locale });
    policy = next.state;
    for (const n of next.notifications) {
      const shown = new Notification({ title: n.title, body: n.body });
      shown.on('click', () => void ctx.windows.show(n.opens));
      shown.show();
      ctx.logger.info({ kind: n.kind, instance: n.instance }, 'notification shown');
    }
  };
  ctx.state.onChange(check);
  // Offline ripens with time, not only with status changes.
  setInterval(() => ctx.state.update({}), 60_000).unref();
}

/** electron-updater with a `generic` feed, only when `updateUrl` is set in desktop.json. */
function setupUpdates(ctx: Context): void {
  const url = ctx.settings.updateUrl;
  if (!url || !app.isPackaged) return;
  void import('electron-updater')
    .then(({ autoUpdater }) => {
      autoUpdater.setFeedURL({ provider: 'generic', url });
      return autoUpdater.checkForUpdatesAndNotify();
    })
    .catch((error: unknown) => ctx.logger.warn({ error: String(error) }, 'update check failed'));
}

/** Quit drains the agent (its run finishes, databases close) before the app exits; closing windows never quits. */
function setupQuit(ctx: Context): void {
  let drained = false;
  app.on('window-all-closed', () => undefined);
  app.on('before-quit', (event) => {
    if (drained) return;
    event.preventDefault();
    if (ctx.quitting) return;
    ctx.quitting = true;
    ctx.windows.closeAll();
    void (ctx.host?.stop() ?? Promise.resolve(0)).then((code) => {
      ctx.logger.info({ code }, 'agent stopped; quitting');
      drained = true;
      app.quit();
    });
  });
}

async function runAction(ctx: Context, api: AgentApi, action: TrayAction): Promise<void> {
  try {
    switch (action) {
      case 'sync-now':
        await api.syncNow({});
        return;
      case 'open-conflicts':
        ctx.windows.show('conflicts');
        return;
      case 'pause-15m':
        await api.pause({ for: '15m' });
        return;
      case 'pause-1h':
        await api.pause({ for: '1h' });
        return;
      case 'pause-until-tomorrow':
        await api.pause({ for: 'until-tomorrow' });
        return;
      case 'resume':
        await api.resume({});
        return;
      case 'open-status':
        ctx.windows.show('status');
        return;
      case 'open-logs':
        await shell.openPath(ctx.paths.logs);
        return;
      case 'open-config':
        mkdirSync(dirname(ctx.paths.config), { recursive: true });
        await shell.openPath(dirname(ctx.paths.config));
        return;
      case 'export-diagnostics': {
        const parent = BrowserWindow.getFocusedWindow();
        const options = { defaultPath: `dovetail-diagnostics-${new Date().toISOString().slice(0, 10)}.json`, filters: [{ name: 'JSON', extensions: ['json'] }] };
        const picked = parent ? await dialog.showSaveDialog(parent, options) : await dialog.showSaveDialog(options);
        if (!picked.canceled && picked.filePath) writeFileSync(picked.filePath, JSON.stringify(await api.exportDiagnostics({}), null, 2), { mode: 0o600 });
        return;
      }
      case 'toggle-start-at-login':
        await api.setStartAtLogin({ enabled: !ctx.login.get() });
        return;
      case 'quit':
        app.quit();
        return;
    }
  } catch (error) {
    ctx.logger.error({ action, error: error instanceof Error ? error.message : String(error) }, 'tray action failed');
  }
}
