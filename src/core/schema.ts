import type { AgentTables } from './agent-tables.js';
import type { EntityConfig } from './config.js';
import { MYSQL_CAPTURE_OFF } from './store/mysql-capture.js';
import type { DbAdapter, DbExecutor } from './store/db-adapter.js';

/** Creates each entity's table from its `create` definition when the table is missing (seed 000). */
export async function ensureTablesExist(db: DbAdapter, entities: readonly EntityConfig[]): Promise<string[]> {
  const created: string[] = [];
  const q = db.dialect.quote;
  for (const entity of entities) {
    if (!entity.create) continue;
    if ((await db.columns(entity.table)).length > 0) continue;
    const columns = Object.entries(entity.create.columns).map(([name, type]) => `${q(name)} ${type}`);
    await db.exec(`CREATE TABLE IF NOT EXISTS ${q(entity.table)} (${columns.join(', ')}, PRIMARY KEY (${entity.key.map(q).join(', ')}))`);
    created.push(entity.table);
  }
  return created;
}

/**
 * Silences (or re-enables) the capture triggers for the rest of the caller's transaction. SQLite:
 * a row in the capture-off table, visible only inside this transaction; MySQL: a session variable
 * of the agent's own connection. Either way the shop's concurrent writes are still captured.
 */
export async function silenceCapture(tx: DbExecutor, db: DbAdapter, t: AgentTables, on: boolean): Promise<void> {
  if (db.dialect.name === 'mysql') {
    await tx.run(on ? `SET ${MYSQL_CAPTURE_OFF} = 1` : `SET ${MYSQL_CAPTURE_OFF} = NULL`);
  } else if (on) {
    await tx.run(db.dialect.insertIgnore(t.captureOff, ['flag']), [1]);
  } else {
    await tx.run(`DELETE FROM ${db.dialect.quote(t.captureOff)}`);
  }
}
