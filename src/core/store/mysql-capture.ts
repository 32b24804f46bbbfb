import type { AgentTables } from '../agent-tables.js';
import type { EntityConfig } from '../config.js';
import type { CaptureTrigger } from './capture-trigger.js';
import type { DbAdapter } from './db-adapter.js';

/** Session variable set on the agent's own connection while it applies remote changes. */
export const MYSQL_CAPTURE_OFF = '@dovetail_capture_off';

/**
 * A row's key as the outbox records it: the value as text, or a compact JSON array for composite
 * keys. `ref` is a trigger's NEW/OLD, or '' for the table's own columns (reading rows back by key).
 */
export function mysqlKeyExpr(db: DbAdapter, ref: 'NEW' | 'OLD' | '', key: readonly string[]): string {
  const q = db.dialect.quote;
  const col = (k: string) => (ref ? `${ref}.${q(k)}` : q(k));
  const compact = (db as { readonly compactJson?: boolean }).compactJson ?? true;
  if (key.length === 1) return `CAST(${col(key[0]!)} AS CHAR)`;
  const array = `JSON_ARRAY(${key.map(col).join(', ')})`;
  return compact ? `JSON_COMPACT(${array})` : array;
}

/**
 * MySQL/MariaDB capture triggers (one per event; UPDATE also records a key change as a delete).
 * They name only the key columns and write only the row's key: the row's data is read from the
 * table when it is pushed, so a POS migration that adds, drops or renames other columns never
 * meets a trigger naming them, and no value of any type or character set can fail the POS's write.
 * Composite keys are compact JSON arrays, like SQLite's json_array, so every node names a row alike.
 */
export function mysqlCaptureTriggers(db: DbAdapter, t: AgentTables, entity: EntityConfig): CaptureTrigger[] {
  const q = db.dialect.quote;
  const keyExpr = (ref: 'NEW' | 'OLD') => mysqlKeyExpr(db, ref, entity.key);
  const insert = (ref: 'NEW' | 'OLD', op: 'upsert' | 'delete') =>
    `INSERT INTO ${q(t.outbox)} (entity, row_key, op, created_at) VALUES ('${entity.name}', ${keyExpr(ref)}, '${op}', ${db.dialect.nowExpr});`;
  const keyChanged = entity.key.map((k) => `NOT (OLD.${q(k)} <=> NEW.${q(k)})`).join(' OR ');
  const table = q(entity.table);
  const quiet = `${MYSQL_CAPTURE_OFF} IS NULL`;
  const trigger = (suffix: string, event: string, body: string): CaptureTrigger => ({
    name: `${t.outbox}_${entity.name}_${suffix}`,
    head: `AFTER ${event} ON ${table} FOR EACH ROW`,
    definition: `BEGIN IF ${quiet} THEN ${body} END IF; END`,
  });
  return [
    trigger('insert', 'INSERT', insert('NEW', 'upsert')),
    trigger('update', 'UPDATE', `IF ${keyChanged} THEN ${insert('OLD', 'delete')} END IF; ${insert('NEW', 'upsert')}`),
    trigger('delete', 'DELETE', insert('OLD', 'delete')),
  ];
}
