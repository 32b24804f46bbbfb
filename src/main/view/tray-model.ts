import type { InstanceStatusView } from '../../contract/dto.js';
import { aggregateState, isBlocking, pickTime, totals, type DesktopStatus, type TrayState } from './aggregate.js';
import { TRAY_MESSAGES, intlTag, type TrayLocale, type TrayMessages } from './messages.js';

export type Platform = 'darwin' | 'win32' | 'linux';

/** What a menu click asks main to do; main maps each to one call (see `tray-actions.ts`). */
export type TrayAction =
  | 'sync-now'
  | 'open-conflicts'
  | 'pause-15m'
  | 'pause-1h'
  | 'pause-until-tomorrow'
  | 'resume'
  | 'open-status'
  | 'open-logs'
  | 'open-config'
  | 'export-diagnostics'
  | 'toggle-start-at-login'
  | 'quit';

export type MenuItemModel =
  | { readonly kind: 'line'; readonly label: string }
  | { readonly kind: 'separator' }
  | { readonly kind: 'action'; readonly action: TrayAction; readonly label: string }
  | { readonly kind: 'checkbox'; readonly action: TrayAction; readonly label: string; readonly checked: boolean }
  | { readonly kind: 'submenu'; readonly label: string; readonly items: readonly MenuItemModel[] };

export interface TrayModel {
  readonly state: TrayState;
  /** Windows caps tooltips at 127 characters. */
  readonly tooltip: string;
  /** macOS menu-bar text next to the icon: the pending count, or ''. */
  readonly title: string;
  readonly menu: readonly MenuItemModel[];
}

const TOOLTIP_MAX = 127;
const SEP: MenuItemModel = { kind: 'separator' };

/**
 * The tray as a pure function of the agent's status: icon state, tooltip, macOS title and menu.
 * Linux's AppIndicator ignores clicks and tooltips, so there the menu carries every status line.
 */
export function trayModel(status: DesktopStatus, locale: TrayLocale, platform: Platform): TrayModel {
  const m = TRAY_MESSAGES[locale];
  const fmt = formatter(locale, status);
  const state = aggregateState(status);
  const list = status.snapshot?.instances ?? [];
  const sum = totals(status.snapshot);

  const lines: string[] = [headline(status, state, m, fmt)];
  if (status.snapshot !== null) {
    const success = pickTime(list.map((i) => i.lastSuccessAt), 'oldest');
    const attempt = pickTime(list.map((i) => i.lastAttemptAt), 'newest');
    lines.push(m.lastSuccessVsAttempt(success ? fmt.time(success) : m.never, attempt ? fmt.time(attempt) : m.never));
    lines.push(m.queue(fmt.n(sum.pending), fmt.n(sum.failed)));
  }
  if (platform === 'linux') {
    for (const i of list) {
      const label = m.connection(m.state[i.state]);
      lines.push(list.length > 1 ? `${i.instance}: ${label}` : label);
      if (i.state === 'offline' && i.nextRetryAt) lines.push(m.nextTry(fmt.time(i.nextRetryAt)));
    }
    if (sum.conflicts > 0 && state !== 'conflicts') lines.push(m.conflicts(sum.conflicts, fmt.n(sum.conflicts)));
  }
  if (status.keyStoredAsPlainText) lines.push(m.keyPlainText);

  const paused = list.length > 0 && list.every((i) => i.state === 'paused');
  const menu: MenuItemModel[] = [
    ...lines.map((label): MenuItemModel => ({ kind: 'line', label })),
    SEP,
    { kind: 'action', action: 'sync-now', label: m.syncNow },
    ...(sum.conflicts > 0 ? [{ kind: 'action', action: 'open-conflicts', label: m.resolveConflicts(fmt.n(sum.conflicts)) } as const] : []),
    paused
      ? { kind: 'action', action: 'resume', label: m.resume }
      : {
          kind: 'submenu',
          label: m.pause,
          items: [
            { kind: 'action', action: 'pause-15m', label: m.pause15m },
            { kind: 'action', action: 'pause-1h', label: m.pause1h },
            { kind: 'action', action: 'pause-until-tomorrow', label: m.pauseTomorrow },
          ],
        },
    SEP,
    { kind: 'action', action: 'open-status', label: m.status },
    { kind: 'action', action: 'open-logs', label: m.openLogs },
    ...(status.agentError !== null ? [{ kind: 'action', action: 'open-config', label: m.openConfig } as const] : []),
    { kind: 'action', action: 'export-diagnostics', label: m.exportDiagnostics },
    SEP,
    { kind: 'checkbox', action: 'toggle-start-at-login', label: m.startAtLogin, checked: status.startAtLogin },
    { kind: 'action', action: 'quit', label: m.quit },
  ];

  return {
    state,
    tooltip: truncate(tooltip(status, state, m, fmt), TOOLTIP_MAX),
    title: platform === 'darwin' && sum.pending > 0 ? fmt.n(sum.pending) : '',
    menu,
  };
}

interface Fmt {
  time(iso: string): string;
  n(value: number): string;
}

function formatter(locale: TrayLocale, status: DesktopStatus): Fmt {
  const tag = intlTag(locale);
  const zone = status.timeZone;
  const clock = new Intl.DateTimeFormat(tag, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: zone });
  const day = new Intl.DateTimeFormat(tag, { day: 'numeric', month: 'short', timeZone: zone });
  const ymd = new Intl.DateTimeFormat('en-CA', { timeZone: zone });
  const numbers = new Intl.NumberFormat(tag);
  const today = ymd.format(new Date(status.now));
  return {
    // A time of another day carries its date: "offline since 11:40" three days later would mislead.
    time: (iso) => {
      const date = new Date(iso);
      return ymd.format(date) === today ? clock.format(date) : `${day.format(date)} ${clock.format(date)}`;
    },
    n: (value) => numbers.format(value),
  };
}

function headline(status: DesktopStatus, state: TrayState, m: TrayMessages, fmt: Fmt): string {
  const list = status.snapshot?.instances ?? [];
  const sum = totals(status.snapshot);
  switch (state) {
    case 'error': {
      if (status.agentError !== null) return m.agentProblem(status.agentError);
      const blocked = list.find(isBlocking)!;
      if (blocked.state === 'auth-error' || blocked.lastErrorCode === 'auth' || blocked.lastErrorCode === 'forbidden') return m.authRejected;
      if (blocked.lastErrorCode === 'database') return m.databaseUnreachable;
      return m.agentProblem(blocked.lastError ?? blocked.lastErrorCode ?? '');
    }
    case 'conflicts':
      return m.conflictsNeedYou(sum.conflicts, fmt.n(sum.conflicts));
    case 'paused': {
      if (sum.failed > 0) return m.refusedChanges(sum.failed, fmt.n(sum.failed));
      const until = pickTime(list.map((i) => i.pausedUntil), 'oldest');
      return until ? m.pausedUntil(fmt.time(until)) : m.paused;
    }
    case 'offline': {
      if (sum.failed > 0) return m.refusedChanges(sum.failed, fmt.n(sum.failed));
      const since = pickTime(list.filter((i) => i.state === 'offline').map((i) => i.lastSuccessAt), 'oldest');
      return since ? m.offlineSince(fmt.time(since), sum.pending, fmt.n(sum.pending)) : m.offline(sum.pending, fmt.n(sum.pending));
    }
    case 'syncing':
      return status.snapshot === null ? m.starting : m.syncingNow;
    case 'online': {
      if (sum.failed > 0) return m.refusedChanges(sum.failed, fmt.n(sum.failed));
      const failedRun = list.find((i) => i.lastError !== null && !i.running);
      if (failedRun) return m.lastFailed(failedRun.lastError!);
      const synced = pickTime(list.map((i) => i.lastSuccessAt), 'oldest');
      return synced ? m.upToDateSynced(fmt.time(synced)) : m.upToDate;
    }
  }
}

function stateWord(state: TrayState, status: DesktopStatus, m: TrayMessages): string {
  const list = status.snapshot?.instances ?? [];
  if (state === 'error') return list.some((i) => i.state === 'auth-error') ? m.state['auth-error'] : m.state.error;
  if (state === 'conflicts' || state === 'online') return m.state[connectionOf(list)];
  if (state === 'syncing') return status.snapshot === null ? m.state.starting : m.state.syncing;
  return m.state[state];
}

function connectionOf(list: readonly InstanceStatusView[]): 'online' | 'polling' | 'offline' | 'paused' {
  if (list.some((i) => i.state === 'offline')) return 'offline';
  if (list.some((i) => i.state === 'paused')) return 'paused';
  if (list.some((i) => i.state === 'polling')) return 'polling';
  return 'online';
}

function tooltip(status: DesktopStatus, state: TrayState, m: TrayMessages, fmt: Fmt): string {
  const sum = totals(status.snapshot);
  const parts = [stateWord(state, status, m)];
  if (sum.pending > 0) parts.push(m.pending(fmt.n(sum.pending)));
  if (sum.failed > 0) parts.push(m.refused(fmt.n(sum.failed)));
  if (sum.conflicts > 0) parts.push(m.conflicts(sum.conflicts, fmt.n(sum.conflicts)));
  const synced = pickTime((status.snapshot?.instances ?? []).map((i) => i.lastSuccessAt), 'oldest');
  if (synced) parts.push(m.synced(fmt.time(synced)));
  return `${m.app} — ${parts.join(' · ')}`;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
