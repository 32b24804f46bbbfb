import type { AgentTables } from './agent-tables.js';
import type { EntityConfig } from './config.js';
import { SyncError, describeError } from './errors.js';
import { CAPTURE_SUFFIXES, type CaptureTrigger } from './store/capture-trigger.js';
import type { DbAdapter, DbExecutor } from './store/db-adapter.js';
import { mysqlCaptureTriggers, mysqlKeyExpr } from './store/mysql-capture.js';
import { sqliteCaptureTriggers, sqliteKeyExpr } from './store/sqlite-capture.js';

/**
 * How a pushed table's capture stands: `ok` = every trigger installed as this version writes it;
 * `outdated` = every event captured, but by older definitions (e.g. a column added since) or with
 * stale extra triggers; `incomplete` / `missing` = some or all events of the table go uncaptured.
 */
export type CaptureState = 'ok' | 'outdated' | 'incomplete' | 'missing';

export interface CaptureHealth {
  readonly entity: string;
  readonly table: string;
  readonly state: CaptureState;
  /** Triggers this version expects that are not installed. */
  readonly missing: readonly string[];
}

export interface CaptureOptions {
  /** MySQL/MariaDB: how long DDL may wait behind a transaction holding the table (default 10 s). */
  readonly lockWaitSeconds?: number;
  /** SQLite: more work for the transaction that installs the triggers (run only when it installs them). */
  readonly inTransaction?: (tx: DbExecutor) => Promise<void>;
}

interface InstalledTrigger {
  readonly name: string;
  readonly definition: string;
}

/** The triggers this version installs for a pushed entity (they depend on its key columns only). */
export function captureTriggers(db: DbAdapter, t: AgentTables, entity: EntityConfig): CaptureTrigger[] {
  return db.dialect.name === 'mysql' ? mysqlCaptureTriggers(db, t, entity) : sqliteCaptureTriggers(db, t, entity);
}

/** SQL for a row's key exactly as the capture triggers record it, over the table's own columns. */
export function rowKeySql(db: DbAdapter, entity: EntityConfig): string {
  return db.dialect.name === 'mysql' ? mysqlKeyExpr(db, '', entity.key) : sqliteKeyExpr('', entity.key, db.dialect.quote);
}

const ownNames = (t: AgentTables, entity: string): Set<string> => {
  const base = CAPTURE_SUFFIXES.map((s) => `${t.outbox}_${entity}_${s}`);
  return new Set([...base, ...base.map((n) => `${n}_swap`)]);
};

/** The agent's own triggers (by exact name) currently installed on the entity's table. */
async function installedTriggers(exec: DbExecutor, db: DbAdapter, t: AgentTables, entity: EntityConfig): Promise<InstalledTrigger[]> {
  const rows =
    db.dialect.name === 'mysql'
      ? await exec.all<{ name: string; definition: string }>(
          `SELECT TRIGGER_NAME AS name, ACTION_STATEMENT AS definition FROM information_schema.TRIGGERS
           WHERE TRIGGER_SCHEMA = DATABASE() AND EVENT_OBJECT_TABLE = ?`,
          [entity.table],
        )
      : await exec.all<{ name: string; definition: string }>(
          `SELECT name, sql AS definition FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?`,
          [entity.table],
        );
  const own = ownNames(t, entity.name);
  return rows.filter((r) => own.has(r.name)).map((r) => ({ name: r.name, definition: String(r.definition) }));
}

function judge(expected: readonly CaptureTrigger[], installed: readonly InstalledTrigger[]): { state: CaptureState; missing: string[] } {
  const byName = new Map(installed.map((i) => [i.name, i]));
  const missing = expected.filter((e) => !byName.has(e.name) && !byName.has(`${e.name}_swap`)).map((e) => e.name);
  if (missing.length === expected.length) return { state: 'missing', missing };
  if (missing.length > 0) return { state: 'incomplete', missing };
  const wanted = new Set(expected.map((e) => e.name));
  const current =
    installed.length === expected.length && expected.every((e) => byName.get(e.name)?.definition === e.definition) && installed.every((i) => wanted.has(i.name));
  return { state: current ? 'ok' : 'outdated', missing: [] };
}

/** Reads (never changes) the capture of a pushed entity's table. */
export async function inspectCapture(db: DbAdapter, t: AgentTables, entity: EntityConfig): Promise<CaptureHealth> {
  const verdict = judge(captureTriggers(db, t, entity), await installedTriggers(db, db, t, entity));
  return { entity: entity.name, table: entity.table, ...verdict };
}

/**
 * Makes a pushed entity's capture current, touching the schema only when it is not: nothing is
 * done when every trigger is already right. SQLite replaces them in one `BEGIN IMMEDIATE`
 * transaction; MariaDB with `CREATE OR REPLACE TRIGGER`; MySQL creates a twin before dropping the
 * one it replaces. At no moment is a committed write left uncaptured. On MySQL/MariaDB each DDL
 * waits at most `lockWaitSeconds` for transactions holding the table, then fails naming the table.
 * Returns whether anything was changed.
 */
export async function ensureCapture(
  db: DbAdapter,
  t: AgentTables,
  entity: EntityConfig,
  opts: CaptureOptions = {},
): Promise<boolean> {
  const expected = captureTriggers(db, t, entity);
  if (judge(expected, await installedTriggers(db, db, t, entity)).state === 'ok') return false;
  if (db.dialect.name === 'sqlite') {
    return db.transaction(async (tx) => {
      // Another process may have installed them while this one waited for the write lock.
      const installed = await installedTriggers(tx, db, t, entity);
      if (judge(expected, installed).state === 'ok') return false;
      for (const old of installed) await tx.run(`DROP TRIGGER IF EXISTS ${db.dialect.quote(old.name)}`);
      for (const trigger of expected) await tx.run(trigger.definition);
      await opts.inTransaction?.(tx);
      return true;
    });
  }
  if (!db.ddlSession) throw new Error('MySQL adapter without a DDL session');
  const lockWait = opts.lockWaitSeconds ?? 10;
  const flavor = (db as { readonly flavor?: 'mariadb' | 'mysql' }).flavor ?? 'mysql';
  return db.ddlSession(lockWait, async (session) => {
    const q = db.dialect.quote;
    const ddl = async (sql: string) => {
      try {
        await session.run(sql);
      } catch (error) {
        throw ddlError(entity, lockWait, error);
      }
    };
    const installed = new Map((await installedTriggers(session, db, t, entity)).map((i) => [i.name, i]));
    for (const trigger of expected) {
      const current = installed.get(trigger.name);
      if (current?.definition === trigger.definition) continue;
      const create = (name: string, orReplace: boolean) =>
        `CREATE ${orReplace ? 'OR REPLACE ' : ''}TRIGGER ${q(name)} ${trigger.head} ${trigger.definition}`;
      if (flavor === 'mariadb') {
        await ddl(create(trigger.name, true));
      } else if (!current) {
        await ddl(create(trigger.name, false));
      } else {
        // MySQL 8 runs several triggers per event: while both exist a write is captured twice
        // (the push collapses the duplicate), never zero times.
        const twin = `${trigger.name}_swap`;
        if (installed.has(twin)) await ddl(`DROP TRIGGER IF EXISTS ${q(twin)}`);
        await ddl(create(twin, false));
        await ddl(`DROP TRIGGER IF EXISTS ${q(trigger.name)}`);
        await ddl(create(trigger.name, false));
      }
    }
    // Only now that every event is captured by a current trigger do the stale ones go.
    const wanted = new Set(expected.map((e) => e.name));
    for (const name of (await installedTriggers(session, db, t, entity)).map((i) => i.name)) {
      if (!wanted.has(name)) await ddl(`DROP TRIGGER IF EXISTS ${q(name)}`);
    }
    return true;
  });
}

/** Removes an entity's capture triggers (an entity no longer pushed); nothing when there are none. */
export async function removeCapture(db: DbAdapter, t: AgentTables, entity: EntityConfig, opts: CaptureOptions = {}): Promise<boolean> {
  const installed = await installedTriggers(db, db, t, entity);
  if (installed.length === 0) return false;
  const q = db.dialect.quote;
  if (db.dialect.name === 'sqlite') {
    await db.transaction(async (tx) => {
      for (const old of installed) await tx.run(`DROP TRIGGER IF EXISTS ${q(old.name)}`);
    });
    return true;
  }
  const lockWait = opts.lockWaitSeconds ?? 10;
  await db.ddlSession!(lockWait, async (session) => {
    for (const old of installed) {
      try {
        await session.run(`DROP TRIGGER IF EXISTS ${q(old.name)}`);
      } catch (error) {
        throw ddlError(entity, lockWait, error);
      }
    }
  });
  return true;
}

function ddlError(entity: EntityConfig, lockWait: number, error: unknown): SyncError {
  const code = (error as { code?: string }).code;
  const message =
    code === 'ER_LOCK_WAIT_TIMEOUT'
      ? `cannot update the capture triggers of table "${entity.table}": another connection kept it busy for more than ${lockWait} s ` +
        '(an open transaction, e.g. the POS). The triggers in place were left as they were; retry when the table is idle'
      : `cannot update the capture triggers of table "${entity.table}": ${describeError(error)}`;
  return new SyncError('database', message, { cause: error });
}
