import type { AgentTables } from '../agent-tables.js';
import type { EntityConfig } from '../config.js';
import type { CaptureTrigger } from './capture-trigger.js';
import type { DbAdapter } from './db-adapter.js';

/** A row's key from a trigger's NEW/OLD: the value as text, or a JSON array for composite keys. */
function keyExpr(ref: 'NEW' | 'OLD', key: readonly string[], q: (s: string) => string): string {
  return key.length === 1 ? `CAST(${ref}.${q(key[0]!)} AS TEXT)` : `json_array(${key.map((k) => `${ref}.${q(k)}`).join(', ')})`;
}

/** SQLite capture triggers: quiet while the capture-off row exists (inside the agent's own transaction). */
export function sqliteCaptureTriggers(db: DbAdapter, t: AgentTables, entity: EntityConfig, columns: readonly string[]): CaptureTrigger[] {
  const q = db.dialect.quote;
  // JSON cannot hold BLOBs: they travel as hex text rather than failing the shop's own write.
  const value = (ref: string, c: string) => `CASE WHEN typeof(${ref}.${q(c)}) = 'blob' THEN hex(${ref}.${q(c)}) ELSE ${ref}.${q(c)} END`;
  const json = (ref: 'NEW' | 'OLD') => `json_object(${columns.map((c) => `'${c}', ${value(ref, c)}`).join(', ')})`;
  const quiet = `NOT EXISTS (SELECT 1 FROM ${q(t.captureOff)})`;
  const insert = (ref: 'NEW' | 'OLD', op: 'upsert' | 'delete') =>
    `INSERT INTO ${q(t.outbox)} (entity, row_key, op, data, created_at) VALUES ` +
    `('${entity.name}', ${keyExpr(ref, entity.key, q)}, '${op}', ${op === 'upsert' ? json(ref) : 'NULL'}, ${db.dialect.nowExpr});`;
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
