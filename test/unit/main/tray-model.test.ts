import { describe, expect, it } from 'vitest';
import type { InstanceStatusView, StatusSnapshot } from '../../../src/contract/dto.js';
import { TRAY_STATES, aggregateState, trackSyncing, type DesktopStatus } from '../../../src/main/view/aggregate.js';
import { TRAY_LOCALES, TRAY_MESSAGES, pickTrayLocale } from '../../../src/main/view/messages.js';
import { trayIconFile } from '../../../src/main/view/tray-icon.js';
import { trayModel, type MenuItemModel, type Platform } from '../../../src/main/view/tray-model.js';

const NOW = '2026-03-02T12:04:00.000Z';

function instance(over: Partial<InstanceStatusView> = {}): InstanceStatusView {
  return {
    instance: 'default',
    state: 'online',
    liveConnected: true,
    nextRetryAt: null,
    pausedUntil: null,
    lastSuccessAt: '2026-03-02T12:03:00.000Z',
    lastAttemptAt: '2026-03-02T12:03:00.000Z',
    lastError: null,
    lastErrorCode: null,
    pending: 0,
    failed: 0,
    oldestPendingAgeMs: null,
    stalled: false,
    conflicts: 0,
    running: false,
    currentRun: null,
    cursors: [],
    ...over,
  };
}

function status(instances: InstanceStatusView[] | null, over: Partial<DesktopStatus> = {}): DesktopStatus {
  const snapshot: StatusSnapshot | null = instances ? { at: NOW, instances } : null;
  return { snapshot, agentError: null, syncingSince: null, now: NOW, startAtLogin: true, keyStoredAsPlainText: false, timeZone: 'UTC', ...over };
}

const OFFLINE_37 = instance({ state: 'offline', liveConnected: false, pending: 37, lastSuccessAt: '2026-03-02T11:40:00.000Z', lastAttemptAt: '2026-03-02T12:04:00.000Z', nextRetryAt: '2026-03-02T12:05:00.000Z', lastError: 'network: connect ECONNREFUSED', lastErrorCode: 'network' });

const labels = (menu: readonly MenuItemModel[]): string[] =>
  menu.map((item) => (item.kind === 'separator' ? '---' : item.kind === 'checkbox' ? `${item.label}${item.checked ? ' ✓' : ''}` : item.kind === 'submenu' ? `${item.label} ▸ ${labels(item.items).join(' / ')}` : item.label));
const actions = (menu: readonly MenuItemModel[]): string[] =>
  menu.flatMap((item) => (item.kind === 'action' || item.kind === 'checkbox' ? [item.action] : item.kind === 'submenu' ? actions(item.items) : []));

describe('aggregateState: one state, highest first', () => {
  const cases: [string, DesktopStatus, string][] = [
    ['agent could not start', status(null, { agentError: 'config: hub.url: required' }), 'error'],
    ['key refused', status([instance({ state: 'auth-error', conflicts: 2 })]), 'error'],
    ['shop database unreachable', status([instance({ lastErrorCode: 'database', lastError: 'SQLITE_CANTOPEN' })]), 'error'],
    ['bad config in a run', status([instance({ lastErrorCode: 'config' })]), 'error'],
    ['conflicts outrank paused and offline', status([instance({ state: 'paused', conflicts: 1 }), instance({ instance: 'b', state: 'offline' })]), 'conflicts'],
    ['paused outranks offline', status([instance({ state: 'paused' }), instance({ instance: 'b', state: 'offline' })]), 'paused'],
    ['offline outranks syncing', status([OFFLINE_37, instance({ instance: 'b', running: true })], { syncingSince: '2026-03-02T12:00:00.000Z' }), 'offline'],
    ['a long run is syncing', status([instance({ running: true })], { syncingSince: '2026-03-02T12:03:57.000Z' }), 'syncing'],
    ['a short run is not (no flicker)', status([instance({ running: true })], { syncingSince: '2026-03-02T12:03:59.000Z' }), 'online'],
    ['starting', status(null), 'syncing'],
    ['up to date', status([instance()]), 'online'],
    ['polling counts as up to date', status([instance({ state: 'polling', liveConnected: false })]), 'online'],
    ['a transient network failure is not an error', status([instance({ lastErrorCode: 'network', lastError: 'x' })]), 'online'],
  ];
  for (const [name, input, expected] of cases) it(name, () => expect(aggregateState(input)).toBe(expected));

  it('trackSyncing keeps the first time a run was seen, and forgets it when none runs', () => {
    const running = { at: NOW, instances: [instance({ running: true })] };
    expect(trackSyncing(null, running, 't1')).toBe('t1');
    expect(trackSyncing('t1', running, 't2')).toBe('t1');
    expect(trackSyncing('t1', { at: NOW, instances: [instance()] }, 't3')).toBeNull();
    expect(trackSyncing(null, null, 't4')).toBeNull();
  });
});

describe('trayModel', () => {
  it('builds the tooltip the design asks for', () => {
    const model = trayModel(status([instance({ pending: 3, conflicts: 1 })]), 'en', 'win32');
    expect(model.tooltip).toBe('Dovetail — Online · 3 pending · 1 conflict · synced 12:03');
    expect(model.state).toBe('conflicts');
  });

  it('offline, 37 waiting on Windows: status lines, then every action', () => {
    const model = trayModel(status([OFFLINE_37]), 'en', 'win32');
    expect(model.state).toBe('offline');
    expect(model.tooltip).toBe('Dovetail — Offline · 37 pending · synced 11:40');
    expect(model.title).toBe('');
    expect(labels(model.menu)).toEqual([
      'Offline since 11:40 — 37 changes waiting',
      'Last success 11:40 · last try 12:04',
      '↑ 37 waiting · 0 refused',
      '---',
      'Sync now',
      'Pause ▸ 15 minutes / 1 hour / Until tomorrow',
      '---',
      'Status…',
      'Open logs',
      'Export diagnostics…',
      '---',
      'Start at login ✓',
      'Quit Dovetail',
    ]);
  });

  it('on Linux the menu carries every status line (AppIndicator shows no tooltip)', () => {
    const model = trayModel(status([OFFLINE_37]), 'en', 'linux');
    expect(labels(model.menu).slice(0, 5)).toEqual([
      'Offline since 11:40 — 37 changes waiting',
      'Last success 11:40 · last try 12:04',
      '↑ 37 waiting · 0 refused',
      'Connection: Offline',
      'Next try 12:05',
    ]);
    const lines = model.menu.filter((i) => i.kind === 'line');
    expect(lines.length).toBeGreaterThan(trayModel(status([OFFLINE_37]), 'en', 'win32').menu.filter((i) => i.kind === 'line').length);
  });

  it('on Linux with several instances each gets its connection line; conflicts are listed when another state leads', () => {
    const model = trayModel(status([instance({ instance: 'centro', state: 'auth-error', conflicts: 2 }), instance({ instance: 'norte' })]), 'en', 'linux');
    const text = labels(model.menu);
    expect(text).toContain('centro: Connection: Key refused');
    expect(text).toContain('norte: Connection: Online');
    expect(text).toContain('2 conflicts');
    expect(text[0]).toBe("The online system refused this shop's key");
  });

  it('macOS shows the pending count as the title', () => {
    expect(trayModel(status([OFFLINE_37]), 'en', 'darwin').title).toBe('37');
    expect(trayModel(status([instance()]), 'en', 'darwin').title).toBe('');
    expect(trayModel(status([instance({ pending: 1234 })]), 'pt-br', 'darwin').title).toBe('1.234');
  });

  it('offers Resolve conflicts (N)… only when N > 0', () => {
    expect(actions(trayModel(status([instance()]), 'en', 'win32').menu)).not.toContain('open-conflicts');
    const menu = trayModel(status([instance({ conflicts: 2 }), instance({ instance: 'b', conflicts: 3 })]), 'en', 'win32').menu;
    expect(menu.find((i) => i.kind === 'action' && i.action === 'open-conflicts')).toEqual({ kind: 'action', action: 'open-conflicts', label: 'Resolve conflicts (5)…' });
  });

  it('Pause ▸ becomes Resume when paused, with the absolute deadline', () => {
    const model = trayModel(status([instance({ state: 'paused', pausedUntil: '2026-03-02T12:30:00.000Z' })]), 'en', 'win32');
    expect(model.state).toBe('paused');
    expect(labels(model.menu)[0]).toBe('Paused until 12:30');
    expect(actions(model.menu)).toContain('resume');
    expect(actions(model.menu)).not.toContain('pause-15m');
    expect(actions(trayModel(status([instance()]), 'en', 'win32').menu)).toEqual(
      expect.arrayContaining(['sync-now', 'pause-15m', 'pause-1h', 'pause-until-tomorrow', 'open-status', 'open-logs', 'export-diagnostics', 'toggle-start-at-login', 'quit']),
    );
  });

  it('Start at login is a checkbox reflecting the setting', () => {
    const item = (on: boolean) => trayModel(status([instance()], { startAtLogin: on }), 'en', 'linux').menu.find((i) => i.kind === 'checkbox');
    expect(item(true)).toMatchObject({ action: 'toggle-start-at-login', checked: true });
    expect(item(false)).toMatchObject({ checked: false });
  });

  it('headlines, most urgent first', () => {
    const head = (s: DesktopStatus) => labels(trayModel(s, 'en', 'win32').menu)[0];
    expect(head(status(null, { agentError: 'no configuration yet' }))).toBe('The agent cannot run: no configuration yet');
    expect(head(status([instance({ lastErrorCode: 'database', lastError: 'x' })]))).toBe("The shop's database cannot be reached");
    expect(head(status([instance({ conflicts: 1 })]))).toBe('1 conflict needs you');
    expect(head(status([instance({ conflicts: 2 })]))).toBe('2 conflicts need you');
    expect(head(status([instance({ failed: 3 })]))).toBe('3 changes could not be sent');
    expect(head(status([instance({ state: 'offline', lastSuccessAt: null, pending: 1 })]))).toBe('Offline — 1 change waiting');
    expect(head(status([instance({ running: true })], { syncingSince: '2026-03-02T12:00:00.000Z' }))).toBe('Syncing now…');
    expect(head(status(null))).toBe('Starting…');
    expect(head(status([instance({ lastError: 'server: HTTP 502' })]))).toBe('The last sync failed: server: HTTP 502');
    expect(head(status([instance({ lastSuccessAt: null, lastAttemptAt: null })]))).toBe('Everything is up to date');
    expect(head(status([instance()]))).toBe('Everything is up to date · synced 12:03');
  });

  it('shows the date of a time that is not today', () => {
    const model = trayModel(status([{ ...OFFLINE_37, lastSuccessAt: '2026-02-27T09:15:00.000Z' }]), 'en', 'win32');
    expect(labels(model.menu)[0]).toBe('Offline since 27 Feb 09:15 — 37 changes waiting');
  });

  it('warns when the key is stored as plain text', () => {
    expect(labels(trayModel(status([instance()], { keyStoredAsPlainText: true }), 'en', 'linux').menu)).toContain('⚠ The key is stored as plain text (no keyring)');
  });

  it('offers the config folder when the agent cannot start', () => {
    expect(actions(trayModel(status(null, { agentError: 'x' }), 'en', 'win32').menu)).toContain('open-config');
    expect(actions(trayModel(status([instance()]), 'en', 'win32').menu)).not.toContain('open-config');
  });

  it('keeps the tooltip within Windows’ 127 characters', () => {
    const tooltip = trayModel(status([instance({ state: 'auth-error', pending: 123456789, failed: 98765, conflicts: 4321 })]), 'pt-br', 'win32').tooltip;
    expect(tooltip.length).toBeLessThanOrEqual(127);
  });

  it('speaks Portuguese and Spanish', () => {
    expect(trayModel(status([OFFLINE_37]), 'pt-br', 'win32').tooltip).toBe('Dovetail — Offline · 37 pendentes · sincronizado 11:40');
    expect(labels(trayModel(status([OFFLINE_37]), 'pt-br', 'win32').menu)[0]).toBe('Offline desde 11:40 — 37 alterações aguardando');
    expect(labels(trayModel(status([OFFLINE_37]), 'es', 'win32').menu)[0]).toBe('Sin conexión desde 11:40 — 37 cambios en espera');
    expect(labels(trayModel(status([instance({ conflicts: 2 })]), 'es', 'win32').menu)[0]).toBe('2 conflictos te necesitan');
    expect(actions(trayModel(status([OFFLINE_37]), 'es', 'win32').menu)).toEqual(actions(trayModel(status([OFFLINE_37]), 'en', 'win32').menu));
  });

  it('every state × platform × locale yields a full menu with no empty label', () => {
    const inputs = [
      status(null, { agentError: 'x' }),
      status([instance({ conflicts: 1 })]),
      status([instance({ state: 'paused' })]),
      status([OFFLINE_37]),
      status([instance({ running: true })], { syncingSince: '2026-03-02T12:00:00.000Z' }),
      status([instance()]),
    ];
    const seen = new Set<string>();
    for (const input of inputs) {
      for (const platform of ['darwin', 'win32', 'linux'] as Platform[]) {
        for (const locale of TRAY_LOCALES) {
          const model = trayModel(input, locale, platform);
          seen.add(model.state);
          expect(model.tooltip.startsWith('Dovetail — ')).toBe(true);
          for (const label of labels(model.menu)) expect(label.trim()).not.toBe('');
          expect(actions(model.menu)).toEqual(expect.arrayContaining(['sync-now', 'open-status', 'open-logs', 'export-diagnostics', 'toggle-start-at-login', 'quit']));
          expect(trayIconFile(model.state, platform)).toMatch(/^tray\//);
        }
      }
    }
    expect([...seen].sort()).toEqual([...TRAY_STATES].sort());
  });
});

describe('messages', () => {
  it('each catalog has the same keys', () => {
    const keys = (o: object) => Object.keys(o).sort();
    for (const locale of TRAY_LOCALES) expect(keys(TRAY_MESSAGES[locale])).toEqual(keys(TRAY_MESSAGES.en));
  });

  it('picks the language from the OS list', () => {
    expect(pickTrayLocale(['pt-BR', 'en-US'])).toBe('pt-br');
    expect(pickTrayLocale(['es-AR'])).toBe('es');
    expect(pickTrayLocale(['de-DE', 'es-ES'])).toBe('es');
    expect(pickTrayLocale(['de-DE'])).toBe('en');
    expect(pickTrayLocale([])).toBe('en');
  });

  it('names an icon file per platform', () => {
    expect(trayIconFile('offline', 'darwin')).toBe('tray/offlineTemplate.png');
    expect(trayIconFile('offline', 'win32')).toBe('tray/offline.ico');
    expect(trayIconFile('offline', 'linux')).toBe('tray/offline-32.png');
  });
});
