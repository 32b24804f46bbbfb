import type { AgentTables } from '../agent-tables.js';
import type { EntityConfig } from '../config.js';
import type { CaptureTrigger } from './capture-trigger.js';
import type { DbAdapter } from './db-adapter.js';

/**
 * A row's key as the outbox records it: the value as text, or a JSON array for composite keys.
 * `ref` is a trigger's NEW/OLD, or '' for the table's own columns (reading rows back by key).
 */
export function sqliteKeyExpr(ref: 'NEW' | 'OLD' | '', key: readonly string[], q: (s: string) => string): string {
  const col = (k: string) => (ref ? `${ref}.${q(k)}` : q(k));
  return key.length === 1 ? `CAST(${col(key[0]!)} AS TEXT)` : `json_array(${key.map(col).join(', ')})`;
}

/**
 * SQLite capture triggers: quiet while the capture-off row exists (inside the agent's own
 * transaction). They name only the key columns and write only the row's key (the data is read
 * from the table at push time), so the POS may add, drop or rename any other column, and no
 * SQLite a POS links meets a function it limits (a 64-column json_object in SQLite 3.40).
 */
export function sqliteCaptureTriggers(db: DbAdapter, t: AgentTables, entity: EntityConfig): CaptureTrigger[] {
  const q = db.dialect.quote;
  const quiet = `NOT EXISTS (SELECT 1 FROM ${q(t.captureOff)})`;
  const insert = (ref: 'NEW' | 'OLD', op: 'upsert' | 'delete') =>
    `INSERT INTO ${q(t.outbox)} (entity, row_key, op, created_at) VALUES ('${entity.name}', ${sqliteKeyExpr(ref, entity.key, q)}, '${op}', ${db.dialect.nowExpr});`;
  const keyChanged = entity.key.map((k) => `OLD.${q(k)} IS NOT NEW.${q(k)}`).join(' OR ');
  const table = q(entity.table);
  const trigger = (suffix: string, head: string, body: string): CaptureTrigger => {
    const name = `${t.outbox}_${entity.name}_${suffix}`;
    return { name, definition: `CREATE TRIGGER ${q(name)} ${head} BEGIN ${body} END` };
  };
  return [
    trigger('insert', `AFTER INSERT ON ${table} WHEN ${quiet}`, insert('NEW', 'upsert')),
    trigger('rekey', `AFTER UPDATE ON ${table} WHEN ${quiet} AND (${keyChanged})`, insert('OLD', 'delete')),
    trigger('update', `AFTER UPDATE ON ${table} WHEN ${quiet}`, insert('NEW', 'upsert')),
    trigger('delete', `AFTER DELETE ON ${table} WHEN ${quiet}`, insert('OLD', 'delete')),
  ];
}
