import type { InstanceStatusView, StatusSnapshot } from '../../contract/dto.js';

/** The tray's one state, highest first: the icon shows it. */
export type TrayState = 'error' | 'conflicts' | 'paused' | 'offline' | 'syncing' | 'online';
export const TRAY_STATES: readonly TrayState[] = ['error', 'conflicts', 'paused', 'offline', 'syncing', 'online'];

/** A run shorter than this never shows "syncing" (no flicker on every live change). */
export const SYNCING_AFTER_MS = 2000;

/** Error codes that stop syncing until a person acts (a bad key, the shop's database, the config). */
const BLOCKING_CODES = new Set(['auth', 'forbidden', 'database', 'config', 'protocol', 'busy']);

/** Everything the tray shows, besides the locale and platform. */
export interface DesktopStatus {
  /** The agent's snapshot; null while the agent process starts. */
  readonly snapshot: StatusSnapshot | null;
  /** Why the agent process could not start or died (missing or bad config, …). */
  readonly agentError: string | null;
  /** When a run was first seen running (see `trackSyncing`); null when none runs. */
  readonly syncingSince: string | null;
  /** Now, ISO. */
  readonly now: string;
  readonly startAtLogin: boolean;
  /** safeStorage fell back to plain text (Linux without a keyring). */
  readonly keyStoredAsPlainText: boolean;
  /** For tests; default the machine's time zone. */
  readonly timeZone?: string;
}

export function isBlocking(i: InstanceStatusView): boolean {
  return i.state === 'auth-error' || (i.lastErrorCode !== null && BLOCKING_CODES.has(i.lastErrorCode));
}

/** When any instance runs, the time it was first seen running (kept while it keeps running). */
export function trackSyncing(previous: string | null, snapshot: StatusSnapshot | null, now: string): string | null {
  const running = snapshot?.instances.some((i) => i.running) ?? false;
  if (!running) return null;
  return previous ?? now;
}

/** The aggregate state, highest first: error > conflicts > paused > offline > syncing (> 2 s) > online. */
export function aggregateState(status: DesktopStatus): TrayState {
  const list = status.snapshot?.instances ?? [];
  if (status.agentError !== null || list.some(isBlocking)) return 'error';
  if (list.some((i) => i.conflicts > 0)) return 'conflicts';
  if (list.some((i) => i.state === 'paused')) return 'paused';
  if (list.some((i) => i.state === 'offline')) return 'offline';
  if (status.snapshot === null) return 'syncing';
  if (status.syncingSince !== null && Date.parse(status.now) - Date.parse(status.syncingSince) >= SYNCING_AFTER_MS) return 'syncing';
  return 'online';
}

/** Counts summed over every instance. */
export function totals(snapshot: StatusSnapshot | null): { pending: number; failed: number; conflicts: number } {
  const sum = { pending: 0, failed: 0, conflicts: 0 };
  for (const i of snapshot?.instances ?? []) {
    sum.pending += i.pending;
    sum.failed += i.failed;
    sum.conflicts += i.conflicts;
  }
  return sum;
}

/** The oldest of the instances' ISO times (or the newest), null when none has one. */
export function pickTime(values: readonly (string | null)[], which: 'oldest' | 'newest'): string | null {
  const times = values.filter((v): v is string => v !== null).sort();
  return (which === 'oldest' ? times[0] : times[times.length - 1]) ?? null;
}
