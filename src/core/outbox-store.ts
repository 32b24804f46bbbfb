import type { RowData } from '../protocol/index.js';
import type { AgentTables } from './agent-tables.js';
import type { DbAdapter, DbExecutor, SqlValue } from './store/db-adapter.js';

export interface OutboxEntry {
  /**
   * Seq of the row's latest pending entry when the batch was read. Settling the row settles its
   * pending entries up to this seq; a later one (captured while the push was on the wire) stays.
   */
  readonly seq: number;
  readonly entity: string;
  readonly rowKey: string;
  readonly op: 'upsert' | 'delete';
  readonly data: RowData | null;
  /** Hub version of the row as last synced (from `rows`), null for a row never synced. */
  readonly baseVersion: number | null;
  /** The row as last synced (merge base), null when unknown. */
  readonly baseData: RowData | null;
  /** Attempts of the latest entry (the one sent: a transient failure postpones and counts it). */
  readonly attempts: number;
  /** When the latest local change was captured (ISO). */
  readonly createdAt: string;
}

/** A row's pending entries up to `seq` (inclusive). */
export interface SettledRow {
  readonly entity: string;
  readonly rowKey: string;
  readonly seq: number;
}

/** One outbox entry as `due()` reads it. */
interface QueuedEntry {
  seq: number;
  row_key: string;
  op: 'upsert' | 'delete';
  data: string | null;
  attempts: number;
  created_at: string;
  status: string;
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

/** How `due()` picks: `force` ignores back-off; `exclude` (row ids in flight) and `maxPostponeMs` as documented there. */
export interface DueOptions {
  readonly force: boolean;
  readonly exclude?: ReadonlySet<string>;
  /** The longest postponement ever stored; an entry due further ahead than now + this is due now. */
  readonly maxPostponeMs?: number;
  /** Entities whose entries wait (stopped by a schema change the agent cannot follow). */
  readonly skipEntities?: readonly string[];
}

/** Entries read per step of the queue walk: bounds memory whatever the outbox size. */
const WALK_CHUNK = 2000;
/** Keys (or seqs) per `IN (…)` list. */
const IN_CHUNK = 1000;
/** Rows per settle read on MySQL (3 parameters each). */
const MYSQL_SETTLE_CHUNK = 300;
/** Entries one settle read on MySQL may return before it goes row by row. */
const MYSQL_SETTLE_READ = 20_000;

const rowId = (entity: string, rowKey: string) => `${entity}\u0000${rowKey}`;

const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ');

/** The durable queue of local changes waiting for the hub. */
export class OutboxStore {
  constructor(
    private readonly db: DbAdapter,
    private readonly t: AgentTables,
  ) {}

  /**
   * Up to `limit` rows with pending changes, in the order of their first pending change (parents
   * before children), each with its latest state and the seq of its latest pending entry. Rows held
   * by an open manual conflict wait, and so do rows in `exclude` (in flight). `force` ignores
   * back-off. An entry postponed further ahead than `maxPostponeMs` (the longest postponement
   * `postpone` is ever given) is due too: only a clock that went back since explains it, and it
   * would otherwise wait for the size of the jump. Time is linear in the part of the queue walked;
   * memory is bounded by `limit` (and the open conflicts), never by the outbox size or by how many
   * entries one row has piled up.
   */
  async due(limit: number, now: Date, opts: DueOptions): Promise<OutboxEntry[]> {
    const picked = await this.walk(limit, now, opts);
    if (picked.size === 0) return [];
    // Per entity `row_key IN (…)`: MySQL plans a long list of (entity, row_key) pairs very badly.
    const keysByEntity = new Map<string, string[]>();
    for (const { entity, rowKey } of picked.values()) {
      const keys = keysByEntity.get(entity) ?? [];
      keys.push(rowKey);
      keysByEntity.set(entity, keys);
    }
    const latest = new Map<string, QueuedEntry>();
    const bases = new Map<string, { version: number; data: string | null }>();
    for (const [entity, keys] of keysByEntity) {
      for (let i = 0; i < keys.length; i += IN_CHUNK) {
        const slice = keys.slice(i, i + IN_CHUNK);
        // Each row's highest entry, found from the index alone (MySQL reads one index entry per
        // row however many it has) ...
        const found = await this.latestEntries(entity, slice, false);
        // ... unless it is not pending (a failed or held entry above a retried one): then the
        // highest pending one, which takes a scan of that row's entries.
        const stale = slice.filter((key) => found.get(key)?.status !== 'pending');
        if (stale.length > 0) for (const [key, r] of await this.latestEntries(entity, stale, true)) found.set(key, r);
        for (const [key, r] of found) if (r.status === 'pending') latest.set(rowId(entity, key), r);
        const synced = await this.db.all<{ row_key: string; version: number; data: string | null }>(
          `SELECT row_key, version, data FROM ${this.t.rows} WHERE entity = ? AND row_key IN (${placeholders(slice.length)})`,
          [entity, ...slice],
        );
        for (const r of synced) bases.set(rowId(entity, r.row_key), { version: Number(r.version), data: r.data });
      }
    }
    const out: OutboxEntry[] = [];
    for (const [id, { entity, rowKey }] of picked) {
      const state = latest.get(id);
      // Gone since the walk (a conflict resolution replaced the row's entries): nothing to send.
      if (!state) continue;
      const base = bases.get(id);
      out.push({
        seq: Number(state.seq),
        entity,
        rowKey,
        op: state.op,
        data: state.data === null ? null : (JSON.parse(state.data) as RowData),
        baseVersion: base ? base.version : null,
        baseData: base?.data ? (JSON.parse(base.data) as RowData) : null,
        attempts: Number(state.attempts),
        createdAt: state.created_at,
      });
    }
    return out;
  }

  /** The highest entry (of any status, or pending only) of each of an entity's rows in `keys`, by row key. */
  private async latestEntries(entity: string, keys: readonly string[], pendingOnly: boolean): Promise<Map<string, QueuedEntry>> {
    const tops = await this.db.all<{ seq: number }>(
      `SELECT MAX(seq) AS seq FROM ${this.t.outbox}
       WHERE ${pendingOnly ? "status = 'pending' AND " : ''}entity = ? AND row_key IN (${placeholders(keys.length)}) GROUP BY entity, row_key`,
      [entity, ...keys],
    );
    if (tops.length === 0) return new Map();
    const rows = await this.db.all<QueuedEntry>(
      `SELECT seq, row_key, op, data, attempts, created_at, status FROM ${this.t.outbox} WHERE seq IN (${placeholders(tops.length)})`,
      tops.map((r) => Number(r.seq)),
    );
    return new Map(rows.map((r) => [r.row_key, r]));
  }

  /**
   * Walks the due part of the queue in seq order, a chunk at a time and without the entries' data,
   * until `limit` distinct rows are found: the rows in order of first pending change. Memory is
   * one chunk plus the rows picked, whatever the outbox size.
   */
  private async walk(limit: number, now: Date, opts: DueOptions): Promise<Map<string, { entity: string; rowKey: string }>> {
    // Rows held by an open manual conflict are skipped here rather than by a NOT EXISTS in the
    // query: the conflicts table has no (entity, row_key) index, so with a few thousand open
    // conflicts that subquery costs each walked entry a scan of them (measured: 200k entries took
    // ~1 min on SQLite; MariaDB walked ~40k a minute). Open conflicts wait for a person: few.
    const held = new Set<string>();
    for (const r of await this.db.all<{ entity: string; row_key: string }>(
      `SELECT entity, row_key FROM ${this.t.conflicts} WHERE status = 'open'`,
    )) {
      held.add(rowId(r.entity, r.row_key));
    }
    const picked = new Map<string, { entity: string; rowKey: string }>();
    const chunkSize = Math.max(limit, WALK_CHUNK);
    // ISO text compares in time order on both dialects; `> NULL` (no bound given) is never true.
    const beyond = opts.maxPostponeMs === undefined ? null : new Date(now.getTime() + opts.maxPostponeMs).toISOString();
    const skip = opts.skipEntities ?? [];
    const skipSql = skip.length > 0 ? ` AND entity NOT IN (${placeholders(skip.length)})` : '';
    for (let after = 0; picked.size < limit; ) {
      const chunk = await this.db.all<{ seq: number; entity: string; row_key: string }>(
        `SELECT seq, entity, row_key FROM ${this.t.outbox}
         WHERE status = 'pending' AND seq > ? AND (? = 1 OR next_attempt_at IS NULL OR next_attempt_at <= ? OR next_attempt_at > ?)${skipSql}
         ORDER BY seq LIMIT ?`,
        [after, opts.force ? 1 : 0, now.toISOString(), beyond, ...skip, chunkSize],
      );
      for (const r of chunk) {
        const id = rowId(r.entity, r.row_key);
        if (picked.has(id) || held.has(id) || opts.exclude?.has(id)) continue;
        picked.set(id, { entity: r.entity, rowKey: r.row_key });
        if (picked.size >= limit) break;
      }
      if (chunk.length < chunkSize) break;
      after = Number(chunk[chunk.length - 1]!.seq);
    }
    return picked;
  }

  /**
   * Removes settled rows' pending entries, each row up to its own `seq`: entries captured after
   * the batch was read stay, and so do failed or conflict-held ones. (Deleting "up to the batch's
   * highest seq" is not safe on MySQL, where a lower seq of another row can commit after a higher
   * one was read; for the same row its lock orders them.) Runs in the caller's transaction.
   */
  async remove(tx: DbExecutor, rows: readonly SettledRow[]): Promise<void> {
    if (this.db.dialect.name === 'mysql') {
      for (let i = 0; i < rows.length; i += MYSQL_SETTLE_CHUNK) await this.removeOnMysql(tx, rows.slice(i, i + MYSQL_SETTLE_CHUNK));
      return;
    }
    // SQLite: one indexed statement per row (prepared once, no round trip).
    for (const r of rows) {
      await tx.run(`DELETE FROM ${this.t.outbox} WHERE entity = ? AND row_key = ? AND seq <= ? AND status = 'pending'`, [
        r.entity,
        r.rowKey,
        r.seq,
      ]);
    }
  }

  /**
   * MySQL: the entries are found by a plain (non-locking) read and deleted by primary key. A
   * DELETE that scans the rows' index range would, under REPEATABLE READ, lock the index record
   * after each range, which may be another row's entry still uncommitted in an open POS
   * transaction: the settle would wait for the POS (and its gap locks would stall the POS's next
   * writes). The read sees every entry to remove: the row's entries up to `seq` had committed
   * before `due()` read that seq.
   */
  private async removeOnMysql(tx: DbExecutor, rows: readonly SettledRow[]): Promise<void> {
    const params: SqlValue[] = [];
    for (const r of rows) params.push(r.entity, r.rowKey, r.seq);
    const bounds = rows.map((_, j) => (j === 0 ? 'SELECT ? AS e, ? AS k, ? AS s' : 'SELECT ?, ?, ?')).join(' UNION ALL ');
    const found = await tx.all<{ seq: number }>(
      `SELECT o.seq FROM ${this.t.outbox} o JOIN (${bounds}) b ON o.entity = b.e AND o.row_key = b.k AND o.seq <= b.s
       WHERE o.status = 'pending' LIMIT ${MYSQL_SETTLE_READ + 1}`,
      params,
    );
    if (found.length <= MYSQL_SETTLE_READ) {
      await this.removeSeqs(tx, found);
      return;
    }
    // A backlog: row by row, a page of its index at a time, so memory stays bounded.
    for (const r of rows) {
      for (let after = 0; ; ) {
        const page = await tx.all<{ seq: number }>(
          `SELECT seq FROM ${this.t.outbox} WHERE entity = ? AND row_key = ? AND seq > ? AND seq <= ? AND status = 'pending'
           ORDER BY seq LIMIT ${IN_CHUNK}`,
          [r.entity, r.rowKey, after, r.seq],
        );
        await this.removeSeqs(tx, page);
        if (page.length < IN_CHUNK) break;
        after = Number(page[page.length - 1]!.seq);
      }
    }
  }

  private async removeSeqs(tx: DbExecutor, rows: readonly { seq: number }[]): Promise<void> {
    for (let i = 0; i < rows.length; i += IN_CHUNK) {
      const slice = rows.slice(i, i + IN_CHUNK).map((r) => Number(r.seq));
      // By primary key even on a small table, where a scan looks cheaper but would lock every row.
      await tx.run(
        `DELETE o FROM ${this.t.outbox} o FORCE INDEX (PRIMARY) WHERE o.seq IN (${placeholders(slice.length)}) AND o.status = 'pending'`,
        slice,
      );
    }
  }

  /** Parks a row's entries up to `seq` as failed: kept with the error, skipped until retried. */
  async park(tx: DbExecutor, entity: string, rowKey: string, seq: number, error: string): Promise<void> {
    await this.changeRow(tx, { entity, rowKey, seq, statuses: ['pending'] }, `status = 'failed', attempts = attempts + 1, last_error = ?`, [error]);
  }

  /**
   * Updates (`set`) or deletes (`set` null) a row's entries in the given statuses, up to `seq`.
   * SQLite: one statement. MySQL: a plain read of the seqs, then by primary key (see
   * `removeOnMysql`: a range statement would wait for an open POS transaction).
   */
  private async changeRow(
    tx: DbExecutor,
    row: { entity: string; rowKey: string; seq: number | null; statuses: readonly string[] },
    set: string | null,
    setParams: readonly SqlValue[] = [],
  ): Promise<void> {
    const statuses = `status IN (${row.statuses.map((s) => `'${s}'`).join(', ')})`;
    const bound = row.seq === null ? '' : ' AND seq <= ?';
    const bounds: SqlValue[] = row.seq === null ? [] : [row.seq];
    const change = (where: string) =>
      set === null ? `DELETE FROM ${this.t.outbox} WHERE ${where}` : `UPDATE ${this.t.outbox} SET ${set} WHERE ${where}`;
    if (this.db.dialect.name !== 'mysql') {
      await tx.run(change(`entity = ? AND row_key = ?${bound} AND ${statuses}`), [...setParams, row.entity, row.rowKey, ...bounds]);
      return;
    }
    for (let after = 0; ; ) {
      const page = await tx.all<{ seq: number }>(
        `SELECT seq FROM ${this.t.outbox} WHERE entity = ? AND row_key = ? AND seq > ?${bound} AND ${statuses} ORDER BY seq LIMIT ${IN_CHUNK}`,
        [row.entity, row.rowKey, after, ...bounds],
      );
      if (page.length > 0) {
        const seqs = page.map((p) => Number(p.seq));
        const target = set === null ? `DELETE o FROM ${this.t.outbox} o FORCE INDEX (PRIMARY) WHERE` : `UPDATE ${this.t.outbox} FORCE INDEX (PRIMARY) SET ${set} WHERE`;
        await tx.run(`${target} seq IN (${placeholders(seqs.length)}) AND ${statuses}`, [...(set === null ? [] : setParams), ...seqs]);
      }
      if (page.length < IN_CHUNK) break;
      after = Number(page[page.length - 1]!.seq);
    }
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
    await this.changeRow(tx, { entity, rowKey, seq, statuses: ['pending'] }, `status = 'conflict'`);
  }

  /** Drops every pending or held entry of a row (its resolution replaces them). */
  async clearRow(tx: DbExecutor, entity: string, rowKey: string): Promise<void> {
    await this.changeRow(tx, { entity, rowKey, seq: null, statuses: ['pending', 'conflict'] }, null);
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
