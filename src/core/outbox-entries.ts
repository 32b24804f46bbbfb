import type { SyncEngine } from './sync-engine.js';

export interface OutboxEntryRecord {
  readonly seq: number;
  readonly entity: string;
  readonly rowKey: string;
  readonly op: string;
  readonly status: 'pending' | 'failed';
  readonly attempts: number;
  readonly lastError: string | null;
  readonly createdAt: string;
  readonly nextAttemptAt: string | null;
}

/**
 * Outbox entries for people to look at: every failed one first, then the oldest pending ones, at
 * most `limit` in all. Read-only; retry and discard stay on `OutboxStore`.
 */
export async function listOutboxEntries(engine: SyncEngine, limit = 100): Promise<OutboxEntryRecord[]> {
  const rows = await engine.db.all<{
    seq: number;
    entity: string;
    row_key: string;
    op: string;
    status: string;
    attempts: number;
    last_error: string | null;
    created_at: string;
    next_attempt_at: string | null;
  }>(
    `SELECT seq, entity, row_key, op, status, attempts, last_error, created_at, next_attempt_at FROM ${engine.tables.outbox}
     WHERE status IN ('pending', 'failed') ORDER BY CASE WHEN status = 'failed' THEN 0 ELSE 1 END, seq LIMIT ?`,
    [limit],
  );
  return rows.map((r) => ({
    seq: Number(r.seq),
    entity: r.entity,
    rowKey: r.row_key,
    op: r.op,
    status: r.status === 'failed' ? 'failed' : 'pending',
    attempts: Number(r.attempts),
    lastError: r.last_error,
    createdAt: r.created_at,
    nextAttemptAt: r.next_attempt_at,
  }));
}
