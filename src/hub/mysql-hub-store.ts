import mysql, { type Pool, type PoolConnection, type ResultSetHeader, type RowDataPacket } from 'mysql2/promise';
import type { AdminRow, EntityDeclaration, PushChange, PushResult, RowData } from '../protocol/index.js';
import { generateKey, parseKey, secretMatches } from './api-keys.js';
import type { CommittedChange, HubStore, KeyLookup, KeyRecord, Principal, RawPulledChange, WriteOutcome, WriteRow } from './hub-store.js';
import { planWrite, receiptText, replayAnswer, type StoredRow } from './plan-write.js';

const TABLE = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin';
const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS hub_keys (id VARCHAR(16) NOT NULL PRIMARY KEY, hash CHAR(64) NOT NULL, role VARCHAR(8) NOT NULL,
    scope VARCHAR(128) NOT NULL, name VARCHAR(128) NOT NULL, created_at VARCHAR(32) NOT NULL, revoked_at VARCHAR(32)) ${TABLE}`,
  `CREATE TABLE IF NOT EXISTS hub_scopes (scope VARCHAR(128) NOT NULL PRIMARY KEY, head BIGINT NOT NULL DEFAULT 0) ${TABLE}`,
  `CREATE TABLE IF NOT EXISTS hub_rows (scope VARCHAR(128) NOT NULL, entity VARCHAR(64) NOT NULL, \`key\` VARCHAR(512) NOT NULL,
    data LONGTEXT, version BIGINT NOT NULL, deleted TINYINT NOT NULL DEFAULT 0, origin VARCHAR(160) NOT NULL,
    updated_at VARCHAR(32) NOT NULL, writer_source VARCHAR(64), writer_seq BIGINT,
    PRIMARY KEY (scope, entity, \`key\`), KEY hub_rows_by_version (scope, entity, version)) ${TABLE}`,
  `CREATE TABLE IF NOT EXISTS hub_receipts (scope VARCHAR(128) NOT NULL, node VARCHAR(128) NOT NULL, source VARCHAR(64) NOT NULL,
    seq BIGINT NOT NULL, result TEXT NOT NULL, created_at VARCHAR(32) NOT NULL, PRIMARY KEY (scope, node, source, seq)) ${TABLE}`,
  `CREATE TABLE IF NOT EXISTS hub_entities (scope VARCHAR(128) NOT NULL, entity VARCHAR(64) NOT NULL, key_columns TEXT NOT NULL,
    declared_by VARCHAR(128) NOT NULL, declared_at VARCHAR(32) NOT NULL, PRIMARY KEY (scope, entity)) ${TABLE}`,
];

/** Columns added to hub_rows after its first release: an older hub database gets them on open. */
const ADDED_ROW_COLUMNS: readonly (readonly [string, string])[] = [
  ['writer_source', 'VARCHAR(64)'],
  ['writer_seq', 'BIGINT'],
];

/** MySQL's ER_DUP_FIELDNAME: another hub process added the column first. */
const DUPLICATE_COLUMN = 1060;

type Row = StoredRow & { key: string };

export interface MySqlHubOptions {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  readonly connectionLimit?: number;
}

/**
 * Hub storage in MySQL/MariaDB, for several stateless hub processes over one database. Each write
 * transaction locks its scope's counter row, so cursors are handed out gapless in commit order
 * (an auto-increment id would not be: InnoDB assigns ids per statement, not per commit).
 */
export class MySqlHubStore implements HubStore {
  private constructor(private readonly pool: Pool) {}

  static async open(opts: MySqlHubOptions): Promise<MySqlHubStore> {
    const pool = mysql.createPool({
      ...opts,
      connectionLimit: opts.connectionLimit ?? 8,
      enableKeepAlive: true,
      connectTimeout: 10_000,
      dateStrings: true,
      supportBigNumbers: true,
      charset: 'utf8mb4',
    });
    try {
      for (const statement of SCHEMA) await pool.query(statement);
      await upgrade(pool);
    } catch (error) {
      await pool.end();
      throw error;
    }
    return new MySqlHubStore(pool);
  }

  async createKey(input: { role: 'node' | 'admin'; scope: string; name: string }): Promise<{ key: string; record: KeyRecord }> {
    const { id, key, hash } = generateKey();
    const record: KeyRecord = { keyId: id, ...input, createdAt: new Date().toISOString(), revokedAt: null };
    await this.pool.query('INSERT INTO hub_keys (id, hash, role, scope, name, created_at) VALUES (?, ?, ?, ?, ?, ?)', [
      id,
      hash,
      input.role,
      input.scope,
      input.name,
      record.createdAt,
    ]);
    return { key, record };
  }

  async listKeys(): Promise<KeyRecord[]> {
    const [rows] = await this.pool.query<RowDataPacket[]>('SELECT id, role, scope, name, created_at, revoked_at FROM hub_keys ORDER BY created_at, id');
    return rows.map((r) => ({
      keyId: String(r.id),
      role: r.role as 'node' | 'admin',
      scope: String(r.scope),
      name: String(r.name),
      createdAt: String(r.created_at),
      revokedAt: (r.revoked_at as string | null) ?? null,
    }));
  }

  async revokeKey(keyId: string): Promise<boolean> {
    const [result] = await this.pool.query<ResultSetHeader>('UPDATE hub_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [
      new Date().toISOString(),
      keyId,
    ]);
    return result.affectedRows > 0;
  }

  async lookupKey(apiKey: string): Promise<KeyLookup> {
    const parsed = parseKey(apiKey);
    if (!parsed) return { status: 'unknown' };
    const [rows] = await this.pool.query<RowDataPacket[]>('SELECT id, hash, role, scope, name, revoked_at FROM hub_keys WHERE id = ?', [parsed.id]);
    const row = rows[0];
    if (!row || !secretMatches(parsed.secret, String(row.hash))) return { status: 'unknown' };
    if (row.revoked_at) return { status: 'revoked' };
    return { status: 'ok', principal: { keyId: String(row.id), role: row.role as Principal['role'], scope: String(row.scope), name: String(row.name) } };
  }

  async isKeyActive(keyId: string): Promise<boolean> {
    const [rows] = await this.pool.query<RowDataPacket[]>('SELECT revoked_at FROM hub_keys WHERE id = ?', [keyId]);
    return rows.length > 0 && rows[0]!.revoked_at === null;
  }

  async push(
    principal: Principal,
    source: string,
    changes: readonly PushChange[],
    validate: (change: PushChange) => { code: string; message: string } | null,
  ): Promise<{ results: PushResult[]; committed: CommittedChange[] }> {
    const origin = `node:${principal.name}`;
    return this.inScope(principal.scope, async (conn, next) => {
      const now = new Date().toISOString();
      const [stored] = await conn.query<RowDataPacket[]>(
        `SELECT seq, result FROM hub_receipts WHERE scope = ? AND node = ? AND source = ? AND seq IN (${changes.map(() => '?').join(', ')})`,
        [principal.scope, principal.name, source, ...changes.map((c) => c.seq)],
      );
      const seen = new Map(stored.map((r) => [Number(r.seq), String(r.result)]));
      const current = await this.currentRows(conn, principal.scope, changes);
      const results: PushResult[] = [];
      const committed: CommittedChange[] = [];
      const writes: unknown[][] = [];
      const receipts: unknown[][] = [];
      for (const change of changes) {
        const prior = seen.get(change.seq);
        if (prior) {
          results.push(replayAnswer(prior, change));
          continue;
        }
        const invalid = validate(change);
        let result: PushResult;
        if (invalid) {
          result = { seq: change.seq, status: 'rejected', error: invalid };
        } else {
          const writer = { origin, source, seq: change.seq };
          const outcome = this.plan(principal.scope, origin, { ...change, merge: true, writer }, now, current, writes, committed, next);
          result =
            outcome.status === 'applied'
              ? { seq: change.seq, status: 'applied', version: outcome.version }
              : { seq: change.seq, status: 'conflict', remote: outcome.remote };
        }
        if (result.status === 'applied') {
          const text = receiptText(result, change);
          receipts.push([principal.scope, principal.name, source, change.seq, text, now]);
          seen.set(change.seq, text);
        }
        results.push(result);
      }
      await this.flush(conn, writes, receipts);
      return { results, committed };
    });
  }

  async pull(scope: string, entity: string, since: number, limit: number): Promise<{ changes: RawPulledChange[]; hasMore: boolean }> {
    const [rows] = await this.pool.query<RowDataPacket[]>(
      'SELECT `key`, data, version, deleted, origin FROM hub_rows WHERE scope = ? AND entity = ? AND version > ? ORDER BY version LIMIT ?',
      [scope, entity, since, limit + 1],
    );
    const hasMore = rows.length > limit;
    if (hasMore) rows.pop();
    return {
      hasMore,
      changes: rows.map((r) => ({
        cursor: Number(r.version),
        key: String(r.key),
        op: r.deleted ? 'delete' : 'upsert',
        dataJson: r.deleted ? null : (r.data as string | null),
        version: Number(r.version),
        origin: String(r.origin),
      })),
    };
  }

  async status(scope: string): Promise<{ head: number; entities: { entity: string; rows: number; head: number }[] }> {
    const [heads] = await this.pool.query<RowDataPacket[]>('SELECT head FROM hub_scopes WHERE scope = ?', [scope]);
    const [entities] = await this.pool.query<RowDataPacket[]>(
      `SELECT entity, SUM(CASE WHEN deleted = 0 THEN 1 ELSE 0 END) AS \`rows\`, MAX(version) AS head
       FROM hub_rows WHERE scope = ? GROUP BY entity ORDER BY entity`,
      [scope],
    );
    return {
      head: Number(heads[0]?.head ?? 0),
      entities: entities.map((e) => ({ entity: String(e.entity), rows: Number(e.rows), head: Number(e.head) })),
    };
  }

  async declareEntities(scope: string, node: string, entities: readonly EntityDeclaration[]): Promise<void> {
    if (entities.length === 0) return;
    const at = new Date().toISOString();
    await this.pool.query(
      `INSERT INTO hub_entities (scope, entity, key_columns, declared_by, declared_at) VALUES ${entities.map(() => '(?, ?, ?, ?, ?)').join(', ')}
       ON DUPLICATE KEY UPDATE key_columns = VALUES(key_columns), declared_by = VALUES(declared_by), declared_at = VALUES(declared_at)`,
      entities.flatMap((e) => [scope, e.entity, JSON.stringify(e.key), node, at]),
    );
  }

  async entityKeys(scope: string): Promise<ReadonlyMap<string, readonly string[]>> {
    const [rows] = await this.pool.query<RowDataPacket[]>('SELECT entity, key_columns FROM hub_entities WHERE scope = ?', [scope]);
    return new Map(rows.map((r) => [String(r.entity), JSON.parse(String(r.key_columns)) as string[]]));
  }

  async adminWrite(scope: string, origin: string, row: WriteRow): Promise<{ outcome: WriteOutcome; committed: CommittedChange[] }> {
    return this.inScope(scope, async (conn, next) => {
      const current = await this.currentRows(conn, scope, [row]);
      const writes: unknown[][] = [];
      const committed: CommittedChange[] = [];
      const outcome = this.plan(scope, origin, row, new Date().toISOString(), current, writes, committed, next);
      await this.flush(conn, writes, []);
      return { outcome, committed };
    });
  }

  async adminGet(scope: string, entity: string, key: string): Promise<AdminRow | null> {
    const [rows] = await this.pool.query<RowDataPacket[]>(
      'SELECT `key`, data, version, deleted, origin, updated_at FROM hub_rows WHERE scope = ? AND entity = ? AND `key` = ?',
      [scope, entity, key],
    );
    return rows[0] ? toAdminRow(rows[0]) : null;
  }

  async adminList(scope: string, entity: string, opts: { since: number; limit: number; includeDeleted: boolean }): Promise<AdminRow[]> {
    const [rows] = await this.pool.query<RowDataPacket[]>(
      `SELECT \`key\`, data, version, deleted, origin, updated_at FROM hub_rows
       WHERE scope = ? AND entity = ? AND version > ? AND (deleted = 0 OR ?) ORDER BY version LIMIT ?`,
      [scope, entity, opts.since, opts.includeDeleted ? 1 : 0, opts.limit],
    );
    return rows.map(toAdminRow);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /**
   * Runs `fn` in a transaction holding the scope's counter row (SELECT … FOR UPDATE): writers of a
   * scope take turns, so cursor order is commit order. The new head is stored before commit.
   */
  private async inScope<T>(scope: string, fn: (conn: PoolConnection, next: () => number) => Promise<T>): Promise<T> {
    const conn = await this.pool.getConnection();
    try {
      await conn.query('INSERT IGNORE INTO hub_scopes (scope, head) VALUES (?, 0)', [scope]);
      await conn.beginTransaction();
      try {
        const [rows] = await conn.query<RowDataPacket[]>('SELECT head FROM hub_scopes WHERE scope = ? FOR UPDATE', [scope]);
        const start = Number(rows[0]?.head ?? 0);
        let head = start;
        const result = await fn(conn, () => ++head);
        if (head !== start) await conn.query('UPDATE hub_scopes SET head = ? WHERE scope = ?', [head, scope]);
        await conn.commit();
        return result;
      } catch (error) {
        await conn.rollback().catch(() => undefined);
        throw error;
      }
    } finally {
      conn.release();
    }
  }

  private async currentRows(conn: PoolConnection, scope: string, rows: readonly { entity: string; key: string }[]): Promise<Map<string, Row>> {
    const out = new Map<string, Row>();
    // Per entity `key IN (…)`: a long list of (entity, key) pairs is planned quadratically.
    const byEntity = new Map<string, string[]>();
    for (const r of rows) {
      const keys = byEntity.get(r.entity) ?? [];
      keys.push(r.key);
      byEntity.set(r.entity, keys);
    }
    for (const [entity, keys] of byEntity) {
      for (let i = 0; i < keys.length; i += 1000) {
        const slice = keys.slice(i, i + 1000);
        const [found] = await conn.query<RowDataPacket[]>(
          `SELECT entity, \`key\`, data, version, deleted, origin, updated_at, writer_source, writer_seq FROM hub_rows
           WHERE scope = ? AND entity = ? AND \`key\` IN (${slice.map(() => '?').join(', ')})`,
          [scope, entity, ...slice],
        );
        for (const r of found) {
          out.set(`${String(r.entity)}\u0000${String(r.key)}`, {
            key: String(r.key),
            data: r.data as string | null,
            version: Number(r.version),
            deleted: Number(r.deleted),
            origin: String(r.origin),
            updated_at: String(r.updated_at),
            writer_source: r.writer_source === null ? null : String(r.writer_source),
            writer_seq: r.writer_seq === null ? null : Number(r.writer_seq),
          });
        }
      }
    }
    return out;
  }

  /** Plans one write against the batch's view of current rows, updating that view for later changes. */
  private plan(
    scope: string,
    origin: string,
    row: WriteRow,
    now: string,
    current: Map<string, Row>,
    writes: unknown[][],
    committed: CommittedChange[],
    next: () => number,
  ): WriteOutcome {
    const id = `${row.entity}\u0000${row.key}`;
    const plan = planWrite(current.get(id), row);
    if (plan.kind === 'answer') return plan.outcome;
    const version = next();
    const writerSource = row.writer?.source ?? null;
    const writerSeq = row.writer?.seq ?? null;
    current.set(id, {
      key: row.key,
      data: plan.data,
      version,
      deleted: plan.deleted ? 1 : 0,
      origin,
      updated_at: now,
      writer_source: writerSource,
      writer_seq: writerSeq,
    });
    writes.push([scope, row.entity, row.key, plan.data, version, plan.deleted ? 1 : 0, origin, now, writerSource, writerSeq]);
    committed.push({ scope, entity: row.entity, cursor: version });
    return { status: 'applied', version };
  }

  private async flush(conn: PoolConnection, writes: unknown[][], receipts: unknown[][]): Promise<void> {
    for (let i = 0; i < writes.length; i += 500) {
      const slice = writes.slice(i, i + 500);
      await conn.query(
        `INSERT INTO hub_rows (scope, entity, \`key\`, data, version, deleted, origin, updated_at, writer_source, writer_seq)
         VALUES ${slice.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}
         ON DUPLICATE KEY UPDATE data = VALUES(data), version = VALUES(version), deleted = VALUES(deleted), origin = VALUES(origin),
         updated_at = VALUES(updated_at), writer_source = VALUES(writer_source), writer_seq = VALUES(writer_seq)`,
        slice.flat(),
      );
    }
    for (let i = 0; i < receipts.length; i += 500) {
      const slice = receipts.slice(i, i + 500);
      await conn.query(
        `INSERT INTO hub_receipts (scope, node, source, seq, result, created_at) VALUES ${slice.map(() => '(?, ?, ?, ?, ?, ?)').join(', ')}`,
        slice.flat(),
      );
    }
  }
}

/** Adds what newer hubs keep to tables an older hub created (several hub processes may race: the loser's duplicate is fine). */
async function upgrade(pool: Pool): Promise<void> {
  const [columns] = await pool.query<RowDataPacket[]>(
    "SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'hub_rows'",
  );
  const present = new Set(columns.map((c) => String(c.name)));
  for (const [name, type] of ADDED_ROW_COLUMNS) {
    if (present.has(name)) continue;
    try {
      await pool.query(`ALTER TABLE hub_rows ADD COLUMN ${name} ${type} NULL`);
    } catch (error) {
      if ((error as { errno?: number }).errno !== DUPLICATE_COLUMN) throw error;
    }
  }
}

function toAdminRow(row: RowDataPacket): AdminRow {
  return {
    key: String(row.key),
    data: row.deleted ? null : (JSON.parse((row.data as string | null) ?? 'null') as RowData | null),
    version: Number(row.version),
    deleted: Number(row.deleted) === 1,
    origin: String(row.origin),
    updatedAt: String(row.updated_at),
  };
}
