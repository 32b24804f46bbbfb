import type { ModuleProgress } from './run-store.js';

/** What staff see: online (live channel up), polling (live down, HTTP fine), offline, auth-error, paused. */
export type ConnectionState = 'online' | 'polling' | 'offline' | 'auth-error' | 'paused';

/** An immutable snapshot of one instance's agent; the tray and windows are pure functions of it. */
export interface AgentStatus {
  readonly instance: string;
  readonly state: ConnectionState;
  readonly liveConnected: boolean;
  /** When the agent tries again after a failure (offline), ISO. */
  readonly nextRetryAt: string | null;
  /** When a pause ends by itself; null = until resumed. */
  readonly pausedUntil: string | null;
  readonly lastSuccessAt: string | null;
  readonly lastAttemptAt: string | null;
  readonly lastError: string | null;
  readonly lastErrorCode: string | null;
  readonly pending: number;
  readonly failed: number;
  readonly oldestPendingAgeMs: number | null;
  /** The oldest pending change is older than the watchdog threshold. */
  readonly stalled: boolean;
  readonly conflicts: number;
  readonly running: boolean;
  readonly currentRun: { readonly id: number | null; readonly progress: Readonly<Record<string, ModuleProgress>> } | null;
}

export function deriveState(f: { paused: boolean; authError: boolean; httpOk: boolean | null; liveConnected: boolean }): ConnectionState {
  if (f.paused) return 'paused';
  if (f.authError) return 'auth-error';
  if (f.httpOk === false) return 'offline';
  return f.liveConnected ? 'online' : 'polling';
}

/** Parses `--for` values: 15m, 1h, 90s, until-tomorrow (next local midnight); null = indefinitely. */
export function pauseUntil(spec: string | undefined, now = new Date()): Date | null {
  if (spec === undefined || spec === '' || spec === 'forever') return null;
  if (spec === 'until-tomorrow') {
    const tomorrow = new Date(now);
    tomorrow.setHours(24, 0, 0, 0);
    return tomorrow;
  }
  const match = /^(\d+)(s|m|h)$/.exec(spec);
  if (!match) throw new Error(`pause duration "${spec}": expected e.g. 15m, 1h, 90s or until-tomorrow`);
  const unit = { s: 1000, m: 60_000, h: 3_600_000 }[match[2] as 's' | 'm' | 'h'];
  return new Date(now.getTime() + Number(match[1]) * unit);
}
