import Database from 'better-sqlite3';
import type { AdminRow, EntityDeclaration, PushChange, PushResult, RowData } from '../protocol/index.js';
import { generateKey, parseKey, secretMatches } from './api-keys.js';
import { planWrite, receiptText, replayAnswer, type StoredRow } from './plan-write.js';
import type {
  CommittedChange,
  HubStore,
  KeyLookup,
  KeyRecord,
  Principal,
  RawPulledChange,
  WriteOutcome,
  WriteRow,
} from './hub-store.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS hub_keys (
  id TEXT PRIMARY KEY, hash TEXT NOT NULL, role TEXT NOT NULL, scope TEXT NOT NULL, name TEXT NOT NULL,
  created_at TEXT NOT NULL, revoked_at TEXT
);
CREATE TABLE IF NOT EXISTS hub_scopes (scope TEXT PRIMARY KEY, head INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS hub_rows (
  scope TEXT NOT NULL, entity TEXT NOT NULL, key TEXT NOT NULL, data TEXT, version INTEGER NOT NULL,
  deleted INTEGER NOT NULL DEFAULT 0, origin TEXT NOT NULL, updated_at TEXT NOT NULL,
  writer_source TEXT, writer_seq INTEGER,
  PRIMARY KEY (scope, entity, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS hub_rows_by_version ON hub_rows (scope, entity, version);
CREATE TABLE IF NOT EXISTS hub_receipts (
  scope TEXT NOT NULL, node TEXT NOT NULL, source TEXT NOT NULL, seq INTEGER NOT NULL, result TEXT NOT NULL,
  created_at TEXT NOT NULL, PRIMARY KEY (scope, node, source, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS hub_entities (
  scope TEXT NOT NULL, entity TEXT NOT NULL, key_columns TEXT NOT NULL, declared_by TEXT NOT NULL, declared_at TEXT NOT NULL,
  PRIMARY KEY (scope, entity)
) WITHOUT ROWID;
`;

/** Columns added to hub_rows after its first release: an older hub file gets them on open. */
const ADDED_ROW_COLUMNS: readonly (readonly [string, string])[] = [
  ['writer_source', 'TEXT'],
  ['writer_seq', 'INTEGER'],
];

interface RowRecord {
  key: string;
  data: string | null;
  version: number;
  deleted: number;
  origin: string;
  updated_at: string;
}

/** A row with its writer, as a write plans against it. */
type CurrentRecord = RowRecord & Pick<StoredRow, 'writer_source' | 'writer_seq'>;

/**
 * Hub storage in one SQLite file. A row's version is the scope cursor of its last write, so the
 * rows table is also the change log: pulling `version > since` returns each row's latest state.
 */
export class SqliteHubStore implements HubStore {
  private readonly db: Database.Database;
  private readonly stmts;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    this.upgrade();
    const db = this.db;
    this.stmts = {
      getHead: db.prepare<[string], { head: number }>('SELECT head FROM hub_scopes WHERE scope = ?'),
      setHead: db.prepare('INSERT INTO hub_scopes (scope, head) VALUES (?, ?) ON CONFLICT (scope) DO UPDATE SET head = excluded.head'),
      getRow: db.prepare<[string, string, string], CurrentRecord>(
        'SELECT key, data, version, deleted, origin, updated_at, writer_source, writer_seq FROM hub_rows WHERE scope = ? AND entity = ? AND key = ?',
      ),
      putRow: db.prepare(
        `INSERT INTO hub_rows (scope, entity, key, data, version, deleted, origin, updated_at, writer_source, writer_seq)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (scope, entity, key) DO UPDATE SET data = excluded.data, version = excluded.version,
         deleted = excluded.deleted, origin = excluded.origin, updated_at = excluded.updated_at,
         writer_source = excluded.writer_source, writer_seq = excluded.writer_seq`,
      ),
      entityKeys: db.prepare<[string], { entity: string; key_columns: string }>('SELECT entity, key_columns FROM hub_entities WHERE scope = ?'),
      declare: db.prepare(
        `INSERT INTO hub_entities (scope, entity, key_columns, declared_by, declared_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (scope, entity) DO UPDATE SET key_columns = excluded.key_columns, declared_by = excluded.declared_by,
         declared_at = excluded.declared_at`,
      ),
      getReceipts: db.prepare<[string, string, string, string], { seq: number; result: string }>(
        'SELECT seq, result FROM hub_receipts WHERE scope = ? AND node = ? AND source = ? AND seq IN (SELECT value FROM json_each(?))',
      ),
      putReceipt: db.prepare('INSERT INTO hub_receipts (scope, node, source, seq, result, created_at) VALUES (?, ?, ?, ?, ?, ?)'),
      pull: db.prepare<[string, string, number, number], RowRecord>(
        `SELECT key, data, version, deleted, origin, updated_at FROM hub_rows
         WHERE scope = ? AND entity = ? AND version > ? ORDER BY version LIMIT ?`,
      ),
    };
  }

  createKey(input: { role: 'node' | 'admin'; scope: string; name: string }): Promise<{ key: string; record: KeyRecord }> {
    const { id, key, hash } = generateKey();
    const record: KeyRecord = { keyId: id, ...input, createdAt: new Date().toISOString(), revokedAt: null };
    this.db
      .prepare('INSERT INTO hub_keys (id, hash, role, scope, name, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(id, hash, input.role, input.scope, input.name, record.createdAt);
    return Promise.resolve({ key, record });
  }

  listKeys(): Promise<KeyRecord[]> {
    const rows = this.db
      .prepare<[], { id: string; role: 'node' | 'admin'; scope: string; name: string; created_at: string; revoked_at: string | null }>(
        'SELECT id, role, scope, name, created_at, revoked_at FROM hub_keys ORDER BY created_at, id',
      )
      .all();
    return Promise.resolve(
      rows.map((r) => ({ keyId: r.id, role: r.role, scope: r.scope, name: r.name, createdAt: r.created_at, revokedAt: r.revoked_at })),
    );
  }

  revokeKey(keyId: string): Promise<boolean> {
    const info = this.db
      .prepare('UPDATE hub_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL')
      .run(new Date().toISOString(), keyId);
    return Promise.resolve(info.changes > 0);
  }

  lookupKey(apiKey: string): Promise<KeyLookup> {
    const parsed = parseKey(apiKey);
    if (!parsed) return Promise.resolve({ status: 'unknown' });
    const row = this.db
      .prepare<[string], { id: string; hash: string; role: 'node' | 'admin'; scope: string; name: string; revoked_at: string | null }>(
        'SELECT id, hash, role, scope, name, revoked_at FROM hub_keys WHERE id = ?',
      )
      .get(parsed.id);
    if (!row || !secretMatches(parsed.secret, row.hash)) return Promise.resolve({ status: 'unknown' });
    if (row.revoked_at) return Promise.resolve({ status: 'revoked' });
    return Promise.resolve({ status: 'ok', principal: { keyId: row.id, role: row.role, scope: row.scope, name: row.name } });
  }

  isKeyActive(keyId: string): Promise<boolean> {
    const row = this.db.prepare<[string], { revoked_at: string | null }>('SELECT revoked_at FROM hub_keys WHERE id = ?').get(keyId);
    return Promise.resolve(row !== undefined && row.revoked_at === null);
  }

  push(
    principal: Principal,
    source: string,
    changes: readonly PushChange[],
    validate: (change: PushChange) => { code: string; message: string } | null,
  ): Promise<{ results: PushResult[]; committed: CommittedChange[] }> {
    const origin = `node:${principal.name}`;
    const run = this.db.transaction(() => {
      const results: PushResult[] = [];
      const committed: CommittedChange[] = [];
      const now = new Date().toISOString();
      // Receipts belong to the node (not its key, which may be rotated) and exist only for
      // applied changes: a conflict or rejection wrote nothing, so asking again is safe.
      const seen = new Map(
        this.stmts.getReceipts
          .all(principal.scope, principal.name, source, JSON.stringify(changes.map((c) => c.seq)))
          .map((r) => [r.seq, r.result]),
      );
      const cursor = this.cursorFor(principal.scope);
      for (const change of changes) {
        const stored = seen.get(change.seq);
        if (stored) {
          results.push(replayAnswer(stored, change));
          continue;
        }
        const invalid = validate(change);
        let result: PushResult;
        if (invalid) {
          result = { seq: change.seq, status: 'rejected', error: invalid };
        } else {
          const writer = { origin, source, seq: change.seq };
          const outcome = this.write(principal.scope, origin, { ...change, merge: true, writer }, now, committed, cursor.next);
          result = outcome.status === 'applied'
            ? { seq: change.seq, status: 'applied', version: outcome.version }
            : { seq: change.seq, status: 'conflict', remote: outcome.remote };
        }
        if (result.status === 'applied') {
          const text = receiptText(result, change);
          this.stmts.putReceipt.run(principal.scope, principal.name, source, change.seq, text, now);
          seen.set(change.seq, text);
        }
        results.push(result);
      }
      cursor.save();
      return { results, committed };
    });
    return Promise.resolve(run.immediate());
  }

  pull(scope: string, entity: string, since: number, limit: number): Promise<{ changes: RawPulledChange[]; hasMore: boolean }> {
    const rows = this.stmts.pull.all(scope, entity, since, limit + 1);
    const hasMore = rows.length > limit;
    if (hasMore) rows.pop();
    return Promise.resolve({
      hasMore,
      changes: rows.map((r) => ({
        cursor: r.version,
        key: r.key,
        op: r.deleted ? 'delete' : 'upsert',
        dataJson: r.deleted ? null : r.data,
        version: r.version,
        origin: r.origin,
      })),
    });
  }

  status(scope: string) {
    const head = this.db.prepare<[string], { head: number }>('SELECT head FROM hub_scopes WHERE scope = ?').get(scope)?.head ?? 0;
    const entities = this.db
      .prepare<[string], { entity: string; rows: number; head: number }>(
        `SELECT entity, SUM(CASE WHEN deleted = 0 THEN 1 ELSE 0 END) AS rows, MAX(version) AS head
         FROM hub_rows WHERE scope = ? GROUP BY entity ORDER BY entity`,
      )
      .all(scope);
    return Promise.resolve({ head, entities });
  }

  declareEntities(scope: string, node: string, entities: readonly EntityDeclaration[]): Promise<void> {
    const at = new Date().toISOString();
    this.db.transaction(() => {
      for (const e of entities) this.stmts.declare.run(scope, e.entity, JSON.stringify(e.key), node, at);
    })();
    return Promise.resolve();
  }

  entityKeys(scope: string): Promise<ReadonlyMap<string, readonly string[]>> {
    return Promise.resolve(new Map(this.stmts.entityKeys.all(scope).map((r) => [r.entity, JSON.parse(r.key_columns) as string[]])));
  }

  adminWrite(scope: string, origin: string, row: WriteRow): Promise<{ outcome: WriteOutcome; committed: CommittedChange[] }> {
    const run = this.db.transaction(() => {
      const committed: CommittedChange[] = [];
      const cursor = this.cursorFor(scope);
      const outcome = this.write(scope, origin, row, new Date().toISOString(), committed, cursor.next);
      cursor.save();
      return { outcome, committed };
    });
    return Promise.resolve(run.immediate());
  }

  adminGet(scope: string, entity: string, key: string): Promise<AdminRow | null> {
    const row = this.stmts.getRow.get(scope, entity, key);
    return Promise.resolve(row ? toAdminRow(row) : null);
  }

  adminList(scope: string, entity: string, opts: { since: number; limit: number; includeDeleted: boolean }): Promise<AdminRow[]> {
    const rows = this.db
      .prepare<[string, string, number, number, number], RowRecord>(
        `SELECT key, data, version, deleted, origin, updated_at FROM hub_rows
         WHERE scope = ? AND entity = ? AND version > ? AND (deleted = 0 OR ?) ORDER BY version LIMIT ?`,
      )
      .all(scope, entity, opts.since, opts.includeDeleted ? 1 : 0, opts.limit);
    return Promise.resolve(rows.map(toAdminRow));
  }

  close(): Promise<void> {
    this.db.close();
    return Promise.resolve();
  }

  /** Adds what newer hubs keep to a file an older hub created; one writer at a time (IMMEDIATE). */
  private upgrade(): void {
    this.db
      .transaction(() => {
        const present = new Set(this.db.prepare<[], { name: string }>('PRAGMA table_info(hub_rows)').all().map((c) => c.name));
        for (const [name, type] of ADDED_ROW_COLUMNS) {
          if (!present.has(name)) this.db.exec(`ALTER TABLE hub_rows ADD COLUMN ${name} ${type}`);
        }
      })
      .immediate();
  }

  /** The scope's cursor inside a write transaction: advanced in memory, stored once at the end. */
  private cursorFor(scope: string): { next: () => number; save: () => void } {
    const start = this.stmts.getHead.get(scope)?.head ?? 0;
    let head = start;
    return {
      next: () => ++head,
      save: () => {
        if (head !== start) this.stmts.setHead.run(scope, head);
      },
    };
  }

  /** One row write inside the caller's transaction: optimistic check, next cursor, row upsert. */
  private write(
    scope: string,
    origin: string,
    row: WriteRow,
    now: string,
    committed: CommittedChange[],
    nextCursor: () => number,
  ): WriteOutcome {
    const plan = planWrite(this.stmts.getRow.get(scope, row.entity, row.key), row);
    if (plan.kind === 'answer') return plan.outcome;
    const head = nextCursor();
    const writer = row.writer ?? null;
    this.stmts.putRow.run(scope, row.entity, row.key, plan.data, head, plan.deleted ? 1 : 0, origin, now, writer?.source ?? null, writer?.seq ?? null);
    committed.push({ scope, entity: row.entity, cursor: head });
    return { status: 'applied', version: head };
  }
}

function toAdminRow(row: RowRecord): AdminRow {
  return {
    key: row.key,
    data: row.deleted ? null : (JSON.parse(row.data ?? 'null') as RowData | null),
    version: row.version,
    deleted: row.deleted === 1,
    origin: row.origin,
    updatedAt: row.updated_at,
  };
}
