import type { AgentTables } from './agent-tables.js';
import { rowKeySql } from './capture.js';
import type { EntityConfig } from './config.js';
import type { StateStore } from './state-store.js';
import type { DbAdapter, DbExecutor, SqlValue } from './store/db-adapter.js';

/** Keys read per step on MySQL/MariaDB: bounds memory and each statement's time. */
const CHUNK = 2000;

const progressName = (entity: string) => `baseline:${entity}`;

/**
 * SQLite: queues every row of the entity's table for push, in the caller's transaction (the one
 * that installs capture, so no POS write falls between the two: each row is queued exactly once).
 * One INSERT … SELECT of keys only: memory stays flat whatever the table's size. Returns the rows queued.
 */
export async function queueBaselineInTransaction(tx: DbExecutor, db: DbAdapter, t: AgentTables, entity: EntityConfig): Promise<number> {
  const q = db.dialect.quote;
  const result = await tx.run(
    `INSERT INTO ${q(t.outbox)} (entity, row_key, op, created_at)
     SELECT ?, ${rowKeySql(db, entity)}, 'upsert', ${db.dialect.nowExpr} FROM ${q(entity.table)}`,
    [entity.name],
  );
  return result.changes;
}

/**
 * Queues every row of the entity's table for push, a chunk of keys at a time in key order, with
 * plain (non-locking) reads so the POS is never made to wait. Progress is kept in `meta` with each
 * chunk, so a baseline cut short by a kill resumes where it stopped (`resumeBaselines`). Capture
 * must already be installed: a row written meanwhile is queued by its trigger, by the baseline or
 * by both; entries name only the row, whose state is read at push time, so the effect on the hub
 * is the same. Returns the rows queued.
 */
export async function queueBaseline(db: DbAdapter, t: AgentTables, state: StateStore, entity: EntityConfig): Promise<number> {
  if (db.dialect.name === 'sqlite') return db.transaction((tx) => queueBaselineInTransaction(tx, db, t, entity));
  await state.setMeta(progressName(entity.name), JSON.stringify(null));
  return continueBaseline(db, t, state, entity, null);
}

/** Finishes baselines a stop interrupted (MySQL/MariaDB); returns the rows queued per entity. */
export async function resumeBaselines(db: DbAdapter, t: AgentTables, state: StateStore, entities: readonly EntityConfig[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const entity of entities) {
    const saved = await state.getMeta(progressName(entity.name));
    if (saved === null) continue;
    const after = JSON.parse(saved) as SqlValue[] | null;
    out.set(entity.name, await continueBaseline(db, t, state, entity, after));
  }
  return out;
}

async function continueBaseline(db: DbAdapter, t: AgentTables, state: StateStore, entity: EntityConfig, start: SqlValue[] | null): Promise<number> {
  const q = db.dialect.quote;
  const keys = entity.key.map(q);
  const tuple = `(${keys.join(', ')})`;
  const marks = `(${entity.key.map(() => '?').join(', ')})`;
  let after = start;
  let queued = 0;
  for (;;) {
    const rows = await db.all<Record<string, SqlValue>>(
      `SELECT ${keys.join(', ')}, ${rowKeySql(db, entity)} AS __dovetail_row_key FROM ${q(entity.table)}
       ${after ? `WHERE ${tuple} > ${marks}` : ''} ORDER BY ${keys.join(', ')} LIMIT ${CHUNK}`,
      after ?? [],
    );
    if (rows.length === 0) break;
    const last = rows[rows.length - 1]!;
    after = entity.key.map((k) => last[k] ?? null);
    await db.transaction(async (tx) => {
      const values = rows.map(() => `(?, ?, 'upsert', ${db.dialect.nowExpr})`).join(', ');
      await tx.run(
        `INSERT INTO ${q(t.outbox)} (entity, row_key, op, created_at) VALUES ${values}`,
        rows.flatMap((r) => [entity.name, String(r.__dovetail_row_key)]),
      );
      await tx.run(db.dialect.upsert(t.meta, ['name', 'value'], ['name'], 1), [progressName(entity.name), JSON.stringify(after)]);
    });
    queued += rows.length;
    if (rows.length < CHUNK) break;
  }
  await db.run(`DELETE FROM ${q(t.meta)} WHERE name = ?`, [progressName(entity.name)]);
  return queued;
}
