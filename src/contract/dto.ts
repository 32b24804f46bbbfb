import { z } from 'zod';

/**
 * The view types the windows and the tray see, as zod schemas (parsed at every boundary) with
 * their TypeScript types inferred. They mirror the engine's records but are owned by the
 * contract: the renderer never imports core.
 */

export const instanceName = z.string().min(1).max(200);

export const connectionState = z.enum(['online', 'polling', 'offline', 'auth-error', 'paused']);
export type ConnectionState = z.infer<typeof connectionState>;

export const moduleProgress = z.object({
  status: z.enum(['pending', 'running', 'done', 'failed', 'skipped', 'canceled']),
  processed: z.number(),
  errors: z.number(),
  message: z.string().optional(),
});
export type ModuleProgressView = z.infer<typeof moduleProgress>;

export const runStats = z.object({ pushed: z.number(), pulled: z.number(), conflicts: z.number(), failed: z.number(), errors: z.number() });

export const cursorView = z.object({ entity: z.string(), cursor: z.number(), lastSyncedAt: z.string().nullable() });
export type CursorView = z.infer<typeof cursorView>;

/** One instance's status: the agent's snapshot plus its per-entity cursors. Times are ISO strings. */
export const instanceStatus = z.object({
  instance: z.string(),
  state: connectionState,
  liveConnected: z.boolean(),
  nextRetryAt: z.string().nullable(),
  pausedUntil: z.string().nullable(),
  lastSuccessAt: z.string().nullable(),
  lastAttemptAt: z.string().nullable(),
  lastError: z.string().nullable(),
  lastErrorCode: z.string().nullable(),
  pending: z.number(),
  failed: z.number(),
  oldestPendingAgeMs: z.number().nullable(),
  stalled: z.boolean(),
  conflicts: z.number(),
  running: z.boolean(),
  currentRun: z.object({ id: z.number().nullable(), progress: z.record(z.string(), moduleProgress) }).nullable(),
  cursors: z.array(cursorView),
});
export type InstanceStatusView = z.infer<typeof instanceStatus>;

/** Every instance of the config, in config order. */
export const statusSnapshot = z.object({ at: z.string(), instances: z.array(instanceStatus) });
export type StatusSnapshot = z.infer<typeof statusSnapshot>;

export const runRecord = z.object({
  id: z.number(),
  trigger: z.string(),
  mode: z.string(),
  status: z.enum(['QUEUED', 'RUNNING', 'DONE', 'FAILED', 'CANCELED']),
  progress: z.record(z.string(), moduleProgress),
  stats: runStats,
  error: z.string().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});
export type RunView = z.infer<typeof runRecord>;

export const runLog = z.object({
  at: z.string(),
  level: z.enum(['debug', 'info', 'warn', 'error']),
  module: z.string(),
  message: z.string(),
  metadata: z.unknown(),
});
export type RunLogView = z.infer<typeof runLog>;

export const runDetail = z.object({ run: runRecord, logs: z.array(runLog) });
export type RunDetail = z.infer<typeof runDetail>;

export const outboxEntry = z.object({
  seq: z.number(),
  entity: z.string(),
  rowKey: z.string(),
  op: z.string(),
  status: z.enum(['pending', 'failed']),
  attempts: z.number(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
  nextAttemptAt: z.string().nullable(),
});
export type OutboxEntryView = z.infer<typeof outboxEntry>;

/** Counts plus the entries themselves: failed first, then the oldest pending (capped). */
export const outboxView = z.object({
  pending: z.number(),
  failed: z.number(),
  oldestPendingAt: z.string().nullable(),
  entries: z.array(outboxEntry),
});
export type OutboxView = z.infer<typeof outboxView>;

export const fieldDiff = z.object({
  field: z.string(),
  base: z.unknown(),
  local: z.unknown(),
  remote: z.unknown(),
  localChanged: z.boolean(),
  remoteChanged: z.boolean(),
  conflicting: z.boolean(),
});
export type FieldDiffView = z.infer<typeof fieldDiff>;

export const conflictSummary = z.object({
  id: z.number(),
  entity: z.string(),
  rowKey: z.string(),
  /** The fields changed on both sides to different values. */
  fields: z.array(z.string()),
  strategy: z.string(),
  status: z.enum(['open', 'resolved']),
  createdAt: z.string(),
  /** A delete on one side against an edit on the other: decided for the whole row. */
  deletedOn: z.enum(['shop', 'online']).nullable(),
});
export type ConflictSummaryView = z.infer<typeof conflictSummary>;

/** local = the shop's row as it is now; remote = the hub's (online) version. */
export const conflictDetail = conflictSummary.extend({ diff: z.array(fieldDiff) });
export type ConflictDetailView = z.infer<typeof conflictDetail>;

export const side = z.enum(['local', 'remote']);
export const fieldChoice = z.union([side, z.strictObject({ value: z.unknown() })]);
export const resolution = z.strictObject({ keep: side.optional(), fields: z.record(z.string(), fieldChoice).optional() });
export type ResolutionInput = z.infer<typeof resolution>;

export const startAtLogin = z.object({ supported: z.boolean(), enabled: z.boolean() });

/** A support bundle: never a key or a password. */
export const diagnostics = z.object({
  generatedAt: z.string(),
  node: z.string(),
  platform: z.string(),
  instances: z.array(
    z.object({
      config: z.unknown(),
      status: instanceStatus,
      outbox: outboxView,
      runs: z.array(runDetail),
    }),
  ),
});
export type Diagnostics = z.infer<typeof diagnostics>;
