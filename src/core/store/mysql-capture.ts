import type { AgentTables } from '../agent-tables.js';
import type { EntityConfig } from '../config.js';
import type { CaptureTrigger } from './capture-trigger.js';
import type { DbAdapter } from './db-adapter.js';

/** Session variable set on the agent's own connection while it applies remote changes. */
export const MYSQL_CAPTURE_OFF = '@dovetail_capture_off';

/**
 * MySQL/MariaDB capture triggers (one per event; UPDATE also records a key change as a delete).
 * Composite keys are compact JSON arrays, like SQLite's json_array, so every node names a row alike.
 */
export function mysqlCaptureTriggers(db: DbAdapter, t: AgentTables, entity: EntityConfig, columns: readonly string[]): CaptureTrigger[] {
  const q = db.dialect.quote;
  const compact = (db as { readonly compactJson?: boolean }).compactJson ?? true;
  const keyExpr = (ref: 'NEW' | 'OLD') =>
    entity.key.length === 1
      ? `CAST(${ref}.${q(entity.key[0]!)} AS CHAR)`
      : compact
        ? `JSON_COMPACT(JSON_ARRAY(${entity.key.map((k) => `${ref}.${q(k)}`).join(', ')}))`
        : `JSON_ARRAY(${entity.key.map((k) => `${ref}.${q(k)}`).join(', ')})`;
  const json = (ref: 'NEW' | 'OLD') => `JSON_OBJECT(${columns.map((c) => `'${c}', ${ref}.${q(c)}`).join(', ')})`;
  const insert = (ref: 'NEW' | 'OLD', op: 'upsert' | 'delete') =>
    `INSERT INTO ${q(t.outbox)} (entity, row_key, op, data, created_at) VALUES ` +
    `('${entity.name}', ${keyExpr(ref)}, '${op}', ${op === 'upsert' ? json(ref) : 'NULL'}, ${db.dialect.nowExpr});`;
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
