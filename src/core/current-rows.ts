import type { RowData } from '../protocol/index.js';
import { rowKeySql } from './capture.js';
import type { EngineContext } from './engine-context.js';
import type { OutboxEntry } from './outbox-store.js';
import { keyValues, toWireRow } from './row-codec.js';
import type { SqlValue } from './store/db-adapter.js';

/** Column aliased to the row key as capture records it; no POS column is named like this. */
const KEY_ALIAS = '__dovetail_row_key';
/** Rows per read: keeps `IN (…)` lists and row-value lists well inside both engines' limits. */
const READ_CHUNK = 500;

/**
 * What a batch of outbox entries pushes: each row as it is now in its table. The outbox records
 * only which rows changed; their data is read here, with the columns the table has today, so a
 * column the POS added goes and a column it dropped does not. A row still in its table goes as an
 * upsert (a soft-deleted one too, with its flag), a row gone as a delete. Reading the latest state
 * after the latest seq was read keeps the guarantee: a change committed later has a higher seq and
 * stays queued. Entries of an entity no longer configured keep what the outbox holds.
 */
export async function withCurrentRows(ctx: EngineContext, batch: readonly OutboxEntry[]): Promise<OutboxEntry[]> {
  const keysByEntity = new Map<string, string[]>();
  for (const entry of batch) {
    if (!ctx.entities.has(entry.entity)) continue;
    const keys = keysByEntity.get(entry.entity) ?? [];
    keys.push(entry.rowKey);
    keysByEntity.set(entry.entity, keys);
  }
  const current = new Map<string, Map<string, RowData>>();
  for (const [name, keys] of keysByEntity) current.set(name, await readRows(ctx, name, keys));
  return batch.map((entry) => {
    const rows = current.get(entry.entity);
    if (!rows) return entry;
    const data = rows.get(entry.rowKey) ?? null;
    return { ...entry, op: data === null ? 'delete' : 'upsert', data };
  });
}

/** An entity's rows with these keys, by row key; a key with no row is absent. */
async function readRows(ctx: EngineContext, entityName: string, keys: readonly string[]): Promise<Map<string, RowData>> {
  const entity = ctx.entities.get(entityName)!;
  const q = ctx.db.dialect.quote;
  const out = new Map<string, RowData>();
  const single = entity.key.length === 1;
  for (let i = 0; i < keys.length; i += READ_CHUNK) {
    const slice = keys.slice(i, i + READ_CHUNK);
    const params: SqlValue[] = [];
    let where: string;
    if (single) {
      where = `${q(entity.key[0]!)} IN (${slice.map(() => '?').join(', ')})`;
      params.push(...slice);
    } else {
      const tuple = `(${entity.key.map(() => '?').join(', ')})`;
      // SQLite takes a row-value list only as a subquery.
      const list = slice.map(() => tuple).join(', ');
      where = `(${entity.key.map(q).join(', ')}) IN (${ctx.db.dialect.name === 'sqlite' ? `VALUES ${list}` : list})`;
      for (const key of slice) params.push(...keyValues(key, entity.key));
    }
    const rows = await ctx.db.readExact(`SELECT ${rowKeySql(ctx.db, entity)} AS ${KEY_ALIAS}, t.* FROM ${q(entity.table)} t WHERE ${where}`, params);
    for (const row of rows) {
      const { [KEY_ALIAS]: key, ...data } = row;
      out.set(typeof key === 'number' ? String(key) : (key as string), toWireRow(data));
    }
  }
  return out;
}
