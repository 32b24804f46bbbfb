import type { RowData } from '../protocol/index.js';
import type { AgentTables } from './agent-tables.js';
import type { DbAdapter, DbExecutor, SqlValue } from './store/db-adapter.js';

export interface OutboxEntry {
  readonly seq: number;
  readonly entity: string;
  readonly rowKey: string;
  readonly op: 'upsert' | 'delete';
  readonly data: RowData | null;
  /** Hub version of the row as last synced (from `rows`), null for a row never synced. */
  readonly baseVersion: number | null;
  /** The row as last synced (merge base), null when unknown. */
  readonly baseData: RowData | null;
  readonly attempts: number;
  /** When the latest local change was captured (ISO). */
  readonly createdAt: string;
  /** Every pending entry of the row this state covers (settled together). */
  readonly covered: readonly number[];
}

interface QueuedRow {
  seq: number;
  entity: string;
  row_key: string;
  op: 'upsert' | 'delete';
  data: string | null;
  attempts: number;
  created_at: string;
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
   * Up to `limit` rows with pending changes, in the order of their first pending change (parents
   * before children), each with its latest state and the seq of its latest entry (acknowledging it
   * clears the row's earlier ones). Rows held by an open manual conflict wait. `force` ignores back-off.
   */
  async due(limit: number, now: Date, opts: { force: boolean; exclude?: ReadonlySet<string> }): Promise<OutboxEntry[]> {
    // Rows held by an open manual conflict, and rows the caller has in flight, are skipped.
    const held = new Set<string>(opts.exclude);
    const open = new Set(
      (await this.db.all<{ entity: string; row_key: string }>(`SELECT entity, row_key FROM ${this.t.conflicts} WHERE status = 'open'`)).map(
        (r) => `${r.entity}\u0000${r.row_key}`,
      ),
    );
    for (const id of open) held.add(id);
    // Walk the queue in seq order until `limit` distinct rows are found, keeping each row's latest entry.
    const picked = new Map<string, { latest: QueuedRow; attempts: number; covered: number[] }>();
    let after = 0;
    let exhausted = false;
    while (picked.size < limit) {
      const chunk = await this.db.all<QueuedRow>(
        `SELECT seq, entity, row_key, op, data, attempts, created_at FROM ${this.t.outbox}
         WHERE status = 'pending' AND seq > ? AND (? = 1 OR next_attempt_at IS NULL OR next_attempt_at <= ?)
         ORDER BY seq LIMIT ?`,
        [after, opts.force ? 1 : 0, now.toISOString(), limit],
      );
      for (const r of chunk) {
        const id = `${r.entity}\u0000${r.row_key}`;
        if (held.has(id)) continue;
        const known = picked.get(id);
        if (known) picked.set(id, { latest: r, attempts: Math.max(known.attempts, r.attempts), covered: [...known.covered, r.seq] });
        else if (picked.size < limit) picked.set(id, { latest: r, attempts: r.attempts, covered: [r.seq] });
      }
      if (chunk.length < limit) {
        exhausted = true;
        break;
      }
      after = chunk[chunk.length - 1]!.seq;
    }
    if (picked.size === 0) return [];
    // Per entity `row_key IN (…)`: MySQL plans a long list of (entity, row_key) pairs very badly.
    const keysByEntity = new Map<string, string[]>();
    for (const { latest } of picked.values()) {
      const keys = keysByEntity.get(latest.entity) ?? [];
      keys.push(latest.row_key);
      keysByEntity.set(latest.entity, keys);
    }
    const perEntity = async <T>(sql: (list: string) => string, leading: readonly SqlValue[] = []): Promise<T[]> => {
      const out: T[] = [];
      for (const [entity, keys] of keysByEntity) {
        for (let i = 0; i < keys.length; i += 1000) {
          const slice = keys.slice(i, i + 1000);
          out.push(...(await this.db.all<T>(sql(slice.map(() => '?').join(', ')), [...leading, entity, ...slice])));
        }
      }
      return out;
    };
    if (!exhausted) {
      // Later entries of the picked rows, past the part of the queue walked above.
      const newer = await perEntity<QueuedRow>(
        (list) => `SELECT seq, entity, row_key, op, data, attempts, created_at FROM ${this.t.outbox}
         WHERE status = 'pending' AND seq > ? AND entity = ? AND row_key IN (${list})`,
        [after],
      );
      newer.sort((a, b) => a.seq - b.seq);
      for (const r of newer) {
        const id = `${r.entity}\u0000${r.row_key}`;
        const known = picked.get(id)!;
        picked.set(id, { latest: r, attempts: Math.max(known.attempts, r.attempts), covered: [...known.covered, r.seq] });
      }
    }
    const bases = new Map(
      (
        await perEntity<{ entity: string; row_key: string; version: number; data: string | null }>(
          (list) => `SELECT entity, row_key, version, data FROM ${this.t.rows} WHERE entity = ? AND row_key IN (${list})`,
        )
      ).map((r) => [`${r.entity}\u0000${r.row_key}`, r]),
    );
    return [...picked.entries()].map(([id, { latest, attempts, covered }]) => {
      const base = bases.get(id);
      return {
        seq: latest.seq,
        entity: latest.entity,
        rowKey: latest.row_key,
        op: latest.op,
        data: latest.data === null ? null : (JSON.parse(latest.data) as RowData),
        baseVersion: base ? Number(base.version) : null,
        baseData: base?.data ? (JSON.parse(base.data) as RowData) : null,
        attempts,
        createdAt: latest.created_at,
        covered,
      };
    });
  }

  /**
   * Removes settled entries by seq: exactly those the batch covered. (Deleting "up to a seq" is not
   * safe on MySQL, where a lower seq can commit after a higher one was read.)
   */
  async remove(tx: DbExecutor, seqs: readonly number[]): Promise<void> {
    for (let i = 0; i < seqs.length; i += 1000) {
      const slice = seqs.slice(i, i + 1000);
      await tx.run(`DELETE FROM ${this.t.outbox} WHERE seq IN (${slice.map(() => '?').join(', ')})`, slice);
    }
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

  /** Holds a row's entries up to `seq` while a manual conflict waits for a person. */
  async hold(tx: DbExecutor, entity: string, rowKey: string, seq: number): Promise<void> {
    await tx.run(
      `UPDATE ${this.t.outbox} SET status = 'conflict' WHERE entity = ? AND row_key = ? AND seq <= ? AND status = 'pending'`,
      [entity, rowKey, seq],
    );
  }

  /** Drops every pending or held entry of a row (its resolution replaces them). */
  async clearRow(tx: DbExecutor, entity: string, rowKey: string): Promise<void> {
    await tx.run(`DELETE FROM ${this.t.outbox} WHERE entity = ? AND row_key = ? AND status IN ('pending', 'conflict')`, [
      entity,
      rowKey,
    ]);
  }

  /** Keys of an entity's rows with local changes not yet on the hub (pending or held by a conflict). */
  async pendingKeys(tx: DbExecutor, entity: string): Promise<Set<string>> {
    const rows = await tx.all<{ row_key: string }>(
      `SELECT DISTINCT row_key FROM ${this.t.outbox} WHERE entity = ? AND status IN ('pending', 'conflict')`,
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

  /**
   * Puts failed entries back in the queue (all, or the given seqs). An entry older than its row's
   * last successful sync is dropped instead: a newer state of the row has reached the hub since.
   */
  async retryFailed(seqs?: readonly number[]): Promise<number> {
    const filter = seqs ? ` AND seq IN (${seqs.map(() => '?').join(', ') || 'NULL'})` : '';
    await this.db.run(
      `DELETE FROM ${this.t.outbox} WHERE status = 'failed'${filter} AND EXISTS (SELECT 1 FROM ${this.t.rows} r
       WHERE r.entity = ${this.t.outbox}.entity AND r.row_key = ${this.t.outbox}.row_key AND r.synced_at > ${this.t.outbox}.created_at)`,
      seqs ?? [],
    );
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
