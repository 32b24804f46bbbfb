import type { z } from 'zod';
import type * as A from './args.js';
import type {
  ConflictDetailView,
  ConflictSummaryView,
  Diagnostics,
  OutboxView,
  RunDetail,
  RunView,
  StatusSnapshot,
} from './dto.js';

type In<S extends z.ZodType> = z.input<S>;

/**
 * Everything the windows and the tray can ask of the running agent. Every call takes one
 * argument object and resolves to plain JSON; the channel map (`channels.ts`) is derived from
 * these keys. Failures reject with an `ApiError` (`api-error.ts`).
 */
export interface AgentApi {
  /** Every instance's status snapshot (connection, counts, current run, cursors). */
  status(args: In<typeof A.none>): Promise<StatusSnapshot>;
  /** Starts a run now (even offline or paused); returns at once with the instances asked. */
  syncNow(args: In<typeof A.syncNowArgs>): Promise<{ started: string[] }>;
  /** Stops the current run after its batch. */
  cancel(args: In<typeof A.anyInstance>): Promise<{ canceled: number }>;
  pause(args: In<typeof A.pauseArgs>): Promise<{ pausedUntil: string | null }>;
  resume(args: In<typeof A.anyInstance>): Promise<{ resumed: number }>;
  /** Pending and failed entries with reason, attempts and age. */
  outbox(args: In<typeof A.oneInstance>): Promise<OutboxView>;
  /** Puts failed entries back in the queue; resolves to how many. */
  retryOutbox(args: In<typeof A.outboxEntriesArgs>): Promise<{ count: number }>;
  /** Deletes failed entries for good; resolves to how many. */
  discardOutbox(args: In<typeof A.outboxEntriesArgs>): Promise<{ count: number }>;
  /** Run history, newest first. */
  runs(args: In<typeof A.runsArgs>): Promise<RunView[]>;
  /** One run with its per-module progress and its logs; null when unknown. */
  run(args: In<typeof A.byIdArgs>): Promise<RunDetail | null>;
  /** Open conflicts, oldest first. */
  conflicts(args: In<typeof A.oneInstance>): Promise<ConflictSummaryView[]>;
  /** One conflict with base / shop / online per field; null when unknown. */
  conflict(args: In<typeof A.byIdArgs>): Promise<ConflictDetailView | null>;
  /** Keep a side, pick per field, or type a value; written locally and pushed on the next run. */
  resolveConflict(args: In<typeof A.resolveArgs>): Promise<{ status: 'resolved' | 'already-resolved' }>;
  /** Every open conflict of an entity, keeping one side. */
  resolveEntity(args: In<typeof A.resolveEntityArgs>): Promise<{ resolved: number }>;
  /** The desktop app's login item; the console answers `supported: false`. */
  getStartAtLogin(args: In<typeof A.none>): Promise<{ supported: boolean; enabled: boolean }>;
  setStartAtLogin(args: In<typeof A.startAtLoginArgs>): Promise<{ supported: boolean; enabled: boolean }>;
  /** A JSON bundle for support: redacted config, status, last runs with logs, outbox. */
  exportDiagnostics(args: In<typeof A.none>): Promise<Diagnostics>;
}

/** Push events from the agent (SSE in the console, IPC in Electron). */
export interface AgentEvents {
  status: StatusSnapshot;
  runFinished: { instance: string; run: RunView };
}

export type Channel = keyof AgentApi;
export type ArgsOf<C extends Channel> = Parameters<AgentApi[C]>[0];
export type ResultOf<C extends Channel> = Awaited<ReturnType<AgentApi[C]>>;
export type EventName = keyof AgentEvents;
