import type { RowData } from '../protocol/index.js';
import type { AgentTables } from './agent-tables.js';
import type { DbAdapter, DbExecutor } from './store/db-adapter.js';

export interface OutboxEntry {
  readonly seq: number;
  readonly entity: string;
  readonly rowKey: string;
  readonly op: 'upsert' | 'delete';
  readonly data: RowData | null;
  /** Hub version of the row as last synced (from `rows`), null for a row never synced. */
  readonly baseVersion: number | null;
  readonly attempts: number;
}

export interface FailedEntry {
  readonly seq: number;
  readonly entity: string;
  readonly rowKey: string;
  readonly op: string;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly createdAt: string;
}

export interface OutboxCounts {
  readonly pending: number;
  readonly failed: number;
  /** created_at of the oldest pending entry, ISO. */
  readonly oldestPendingAt: string | null;
}

/** The durable queue of local changes waiting for the hub. */
export class OutboxStore {
  constructor(
    private readonly db: DbAdapter,
    private readonly t: AgentTables,
  ) {}

  /**
   * Pending entries in seq order, one per row: the latest state of each row, with the seq of its
   * latest entry (acknowledging it clears the row's earlier ones). `force` ignores back-off.
   */
  async due(limit: number, now: Date, opts: { force: boolean; afterSeq?: number }): Promise<OutboxEntry[]> {
    const rows = await this.db.all<{
      seq: number;
      entity: string;
      row_key: string;
      op: 'upsert' | 'delete';
      data: string | null;
      base_version: number | null;
      attempts: number;
    }>(
      `SELECT o.seq, o.entity, o.row_key, o.op, o.data, r.version AS base_version, o.attempts
       FROM ${this.t.outbox} o LEFT JOIN ${this.t.rows} r ON r.entity = o.entity AND r.row_key = o.row_key
       WHERE o.status = 'pending' AND o.seq > ? AND (? = 1 OR o.next_attempt_at IS NULL OR o.next_attempt_at <= ?)
       ORDER BY o.seq LIMIT ?`,
      [opts.afterSeq ?? 0, opts.force ? 1 : 0, now.toISOString(), limit],
    );
    const latest = new Map<string, OutboxEntry>();
    for (const r of rows) {
      const id = `${r.entity}\u0000${r.row_key}`;
      // Keep the row's first position so parents still precede children within the batch.
      const previous = latest.get(id);
      if (previous) latest.delete(id);
      latest.set(id, {
        seq: r.seq,
        entity: r.entity,
        rowKey: r.row_key,
        op: r.op,
        data: r.data === null ? null : (JSON.parse(r.data) as RowData),
        baseVersion: r.base_version,
        attempts: Math.max(r.attempts, previous?.attempts ?? 0),
      });
    }
    return [...latest.values()];
  }

  /** Removes a row's entries up to `seq` once the hub has them. */
  async acknowledge(tx: DbExecutor, entity: string, rowKey: string, seq: number): Promise<void> {
    await tx.run(`DELETE FROM ${this.t.outbox} WHERE entity = ? AND row_key = ? AND seq <= ? AND status = 'pending'`, [
      entity,
      rowKey,
      seq,
    ]);
  }

  /** Parks a row's entries up to `seq` as failed: kept with the error, skipped until retried. */
  async park(tx: DbExecutor, entity: string, rowKey: string, seq: number, error: string): Promise<void> {
    await tx.run(
      `UPDATE ${this.t.outbox} SET status = 'failed', attempts = attempts + 1, last_error = ?
       WHERE entity = ? AND row_key = ? AND seq <= ? AND status = 'pending'`,
      [error, entity, rowKey, seq],
    );
  }

  /** Postpones entries after a transient failure. */
  async postpone(seqs: readonly number[], nextAttemptAt: (attempts: number) => Date, error: string): Promise<void> {
    if (seqs.length === 0) return;
    await this.db.transaction(async (tx) => {
      const rows = await tx.all<{ seq: number; attempts: number }>(
        `SELECT seq, attempts FROM ${this.t.outbox} WHERE seq IN (${seqs.map(() => '?').join(', ')})`,
        seqs,
      );
      for (const row of rows) {
        await tx.run(`UPDATE ${this.t.outbox} SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE seq = ?`, [
          row.attempts + 1,
          nextAttemptAt(row.attempts + 1).toISOString(),
          error,
          row.seq,
        ]);
      }
    });
  }

  /** Keys of an entity's rows with pending local changes. */
  async pendingKeys(tx: DbExecutor, entity: string): Promise<Set<string>> {
    const rows = await tx.all<{ row_key: string }>(
      `SELECT DISTINCT row_key FROM ${this.t.outbox} WHERE entity = ? AND status = 'pending'`,
      [entity],
    );
    return new Set(rows.map((r) => r.row_key));
  }

  async enqueue(tx: DbExecutor, entity: string, rowKey: string, op: 'upsert' | 'delete', data: RowData | null): Promise<void> {
    await tx.run(`INSERT INTO ${this.t.outbox} (entity, row_key, op, data, created_at) VALUES (?, ?, ?, ?, ?)`, [
      entity,
      rowKey,
      op,
      data === null ? null : JSON.stringify(data),
      new Date().toISOString(),
    ]);
  }

  /** Highest seq ever written: grows with every captured change (a change detector for any engine). */
  async lastSeq(): Promise<number> {
    const [row] = await this.db.all<{ seq: number | null }>(`SELECT MAX(seq) AS seq FROM ${this.t.outbox}`);
    return Number(row?.seq ?? 0);
  }

  async counts(): Promise<OutboxCounts> {
    const [row] = await this.db.all<{ pending: number | null; failed: number | null; oldest: string | null }>(
      `SELECT SUM(CASE WHEN status = 'pending' THEN 1 ELSE 0 END) AS pending,
              SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END) AS failed,
              MIN(CASE WHEN status = 'pending' THEN created_at END) AS oldest
       FROM ${this.t.outbox}`,
    );
    return { pending: Number(row?.pending ?? 0), failed: Number(row?.failed ?? 0), oldestPendingAt: row?.oldest ?? null };
  }

  async failed(limit = 100): Promise<FailedEntry[]> {
    const rows = await this.db.all<{
      seq: number;
      entity: string;
      row_key: string;
      op: string;
      attempts: number;
      last_error: string | null;
      created_at: string;
    }>(
      `SELECT seq, entity, row_key, op, attempts, last_error, created_at FROM ${this.t.outbox}
       WHERE status = 'failed' ORDER BY seq LIMIT ?`,
      [limit],
    );
    return rows.map((r) => ({
      seq: r.seq,
      entity: r.entity,
      rowKey: r.row_key,
      op: r.op,
      attempts: r.attempts,
      lastError: r.last_error,
      createdAt: r.created_at,
    }));
  }

  /** Puts failed entries back in the queue (all, or the given seqs). */
  async retryFailed(seqs?: readonly number[]): Promise<number> {
    const filter = seqs ? ` AND seq IN (${seqs.map(() => '?').join(', ') || 'NULL'})` : '';
    const result = await this.db.run(
      `UPDATE ${this.t.outbox} SET status = 'pending', next_attempt_at = NULL WHERE status = 'failed'${filter}`,
      seqs ?? [],
    );
    return result.changes;
  }

  /** Deletes failed entries for good (all, or the given seqs). */
  async discardFailed(seqs?: readonly number[]): Promise<number> {
    const filter = seqs ? ` AND seq IN (${seqs.map(() => '?').join(', ') || 'NULL'})` : '';
    const result = await this.db.run(`DELETE FROM ${this.t.outbox} WHERE status = 'failed'${filter}`, seqs ?? []);
    return result.changes;
  }
}
