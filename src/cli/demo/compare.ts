import type Database from 'better-sqlite3';
import type { EntityConfig } from '../../core/config.js';
import { rowKeyOf } from '../../core/row-codec.js';
import type { HubStore } from '../../hub/hub-store.js';

export interface EntityComparison {
  readonly entity: string;
  readonly local: number;
  readonly hub: number;
  readonly mismatches: readonly string[];
}

const normalize = (value: unknown): unknown =>
  typeof value === 'boolean' ? (value ? 1 : 0) : value !== null && typeof value === 'object' ? JSON.stringify(value) : (value ?? null);

/** Compares every live row of an entity on both sides, column by column (columns both sides have). */
export async function compareEntity(db: Database.Database, store: HubStore, scope: string, entity: EntityConfig): Promise<EntityComparison> {
  const localRows = db.prepare(`SELECT * FROM "${entity.table}"`).all() as Record<string, unknown>[];
  const live = entity.softDelete ? localRows.filter((r) => !r[entity.softDelete!]) : localRows;
  const hubRows = await store.adminList(scope, entity.name, { since: 0, limit: 1_000_000, includeDeleted: false });
  const hubByKey = new Map(hubRows.map((r) => [r.key, r.data ?? {}]));
  const mismatches: string[] = [];
  for (const row of live) {
    const key = rowKeyOf(row, entity.key);
    const remote = hubByKey.get(key);
    if (!remote) {
      mismatches.push(`${key}: only local`);
      continue;
    }
    hubByKey.delete(key);
    for (const [column, value] of Object.entries(row)) {
      // A column the hub never had keeps its local default; it is not a difference.
      if (column === entity.softDelete || !(column in remote)) continue;
      if (normalize(value) !== normalize(remote[column])) {
        mismatches.push(`${key}.${column}: local ${JSON.stringify(value)} ≠ hub ${JSON.stringify(remote[column])}`);
      }
    }
  }
  for (const key of hubByKey.keys()) mismatches.push(`${key}: only on the hub`);
  return { entity: entity.name, local: live.length, hub: hubRows.length, mismatches };
}
