import type { AgentTables } from './agent-tables.js';
import type { EntityConfig } from './config.js';
import type { DbAdapter } from './store/db-adapter.js';

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

/** SQL text of a row's key from a trigger's NEW/OLD: the value, or a JSON array for composite keys. */
function keyExpr(ref: 'NEW' | 'OLD', key: readonly string[], q: (s: string) => string): string {
  return key.length === 1 ? `CAST(${ref}.${q(key[0]!)} AS TEXT)` : `json_array(${key.map((k) => `${ref}.${q(k)}`).join(', ')})`;
}

/**
 * (Re)installs AFTER INSERT/UPDATE/DELETE triggers that write one outbox row in the app's own
 * transaction. They stay quiet while the agent applies remote changes (the capture-off row exists
 * only inside the agent's transaction, so the app's concurrent writes are still captured).
 */
export async function installCapture(db: DbAdapter, t: AgentTables, entity: EntityConfig, columns: readonly string[]): Promise<void> {
  const q = db.dialect.quote;
  const name = (suffix: string) => q(`${t.outbox}_${entity.name}_${suffix}`);
  // JSON cannot hold BLOBs: they travel as hex text rather than failing the shop's own write.
  const value = (ref: string, c: string) => `CASE WHEN typeof(${ref}.${q(c)}) = 'blob' THEN hex(${ref}.${q(c)}) ELSE ${ref}.${q(c)} END`;
  const json = (ref: 'NEW' | 'OLD') => `json_object(${columns.map((c) => `'${c}', ${value(ref, c)}`).join(', ')})`;
  const quiet = `NOT EXISTS (SELECT 1 FROM ${q(t.captureOff)})`;
  const insert = (ref: 'NEW' | 'OLD', op: 'upsert' | 'delete') =>
    `INSERT INTO ${q(t.outbox)} (entity, row_key, op, data, created_at) VALUES ` +
    `('${entity.name}', ${keyExpr(ref, entity.key, q)}, '${op}', ${op === 'upsert' ? json(ref) : 'NULL'}, ${db.dialect.nowExpr});`;
  const keyChanged = entity.key.map((k) => `OLD.${q(k)} IS NOT NEW.${q(k)}`).join(' OR ');
  await db.exec(`
    DROP TRIGGER IF EXISTS ${name('insert')};
    DROP TRIGGER IF EXISTS ${name('update')};
    DROP TRIGGER IF EXISTS ${name('rekey')};
    DROP TRIGGER IF EXISTS ${name('delete')};
    CREATE TRIGGER ${name('insert')} AFTER INSERT ON ${q(entity.table)} WHEN ${quiet} BEGIN ${insert('NEW', 'upsert')} END;
    CREATE TRIGGER ${name('rekey')} AFTER UPDATE ON ${q(entity.table)} WHEN ${quiet} AND (${keyChanged}) BEGIN ${insert('OLD', 'delete')} END;
    CREATE TRIGGER ${name('update')} AFTER UPDATE ON ${q(entity.table)} WHEN ${quiet} BEGIN ${insert('NEW', 'upsert')} END;
    CREATE TRIGGER ${name('delete')} AFTER DELETE ON ${q(entity.table)} WHEN ${quiet} BEGIN ${insert('OLD', 'delete')} END;
  `);
}

/** Removes an entity's capture triggers (for entities no longer pushed). */
export async function removeCapture(db: DbAdapter, t: AgentTables, entityName: string): Promise<void> {
  const q = db.dialect.quote;
  for (const suffix of ['insert', 'update', 'rekey', 'delete']) {
    await db.exec(`DROP TRIGGER IF EXISTS ${q(`${t.outbox}_${entityName}_${suffix}`)}`);
  }
}
