import type { RowData } from '../protocol/index.js';
import { writeLocalRow } from './apply-page.js';
import type { EntityConfig } from './config.js';
import type { EngineContext } from './engine-context.js';
import { mergeRow, sameValue, type ConflictPolicy } from './merge.js';
import type { OutboxEntry } from './outbox-store.js';
import { SyncError } from './errors.js';
import { keyValues } from './row-codec.js';
import type { DbExecutor } from './store/db-adapter.js';
import { recordSynced } from './synced-rows.js';

export interface RemoteRow {
  readonly data: RowData | null;
  readonly version: number;
  readonly deleted: boolean;
  readonly updatedAt?: string;
}

/** The shop's row as it is now in its table; null when deleted (or soft-deleted). */
export async function readLocalRow(ctx: EngineContext, tx: DbExecutor, entityName: string, rowKey: string): Promise<RowData | null> {
  const entity = ctx.entities.get(entityName);
  if (!entity) throw new SyncError('config', `conflict on entity "${entityName}", which is no longer configured`);
  const q = ctx.db.dialect.quote;
  const where = entity.key.map((k) => `${q(k)} = ?`).join(' AND ');
  const [row] = await tx.all<RowData>(`SELECT * FROM ${q(entity.table)} WHERE ${where}`, keyValues(rowKey, entity.key));
  if (!row || (entity.softDelete && row[entity.softDelete])) return null;
  return row;
}

export function describePolicy(policy: ConflictPolicy): string {
  return policy.strategy === 'field-priority' ? `field-priority (fallback ${policy.fallback ?? 'remote-wins'})` : policy.strategy;
}

/** The merged row differs from what the hub holds: it must be pushed. */
function differsFromRemote(merged: RowData | null, remote: RowData | null): boolean {
  if (merged === null || remote === null) return merged !== remote;
  return Object.keys(merged).some((k) => !sameValue(merged[k], remote[k]));
}

/**
 * Writes an agreed row on the shop side and queues what the hub still lacks: local table = `row`,
 * base = the hub's row at `remoteVersion`, and a new outbox entry when `row` differs from it.
 * `settled` is the seq up to which the row's pending entries are replaced ('all' = every pending
 * or held one).
 */
export async function applyResolution(
  ctx: EngineContext,
  tx: DbExecutor,
  entity: EntityConfig,
  rowKey: string,
  row: RowData | null,
  remote: RemoteRow,
  settled: number | 'all',
): Promise<boolean> {
  const remoteData = remote.deleted ? null : remote.data;
  await writeLocalRow(
    tx,
    { db: ctx.db, t: ctx.t, entity, columns: ctx.columns.get(entity.name) ?? [], dateColumns: ctx.dateColumns.get(entity.name) },
    rowKey,
    row,
  );
  await recordSynced(tx, ctx, entity.name, [{ key: rowKey, version: remote.version, data: remoteData }], new Date().toISOString());
  if (settled === 'all') await ctx.outbox.clearRow(tx, entity.name, rowKey);
  else await ctx.outbox.remove(tx, [{ entity: entity.name, rowKey, seq: settled }]);
  const push = differsFromRemote(row, remoteData);
  if (push) await ctx.outbox.enqueue(tx, entity.name, rowKey, row === null ? 'delete' : 'upsert', row);
  return push;
}

/**
 * The hub's row moved past our base. Three-way merge by the entity's policy: a merged row is
 * written locally and, when it differs from the hub's, pushed again on top of the hub's version;
 * a manual conflict holds the row's changes until a person resolves it. Every case is recorded.
 */
export async function settleConflict(ctx: EngineContext, tx: DbExecutor, entry: OutboxEntry, remote: RemoteRow): Promise<'merged' | 'held'> {
  const entity = ctx.entities.get(entry.entity);
  const policy: ConflictPolicy = entity?.conflict ?? { strategy: 'manual' };
  // The shop may have written the row again while this push was on the wire: then the merge
  // takes the row as it is now and replaces every pending entry of it, not just those sent.
  const [later] = await tx.all<{ n: number }>(
    `SELECT COUNT(*) AS n FROM ${ctx.t.outbox} WHERE entity = ? AND row_key = ? AND status = 'pending' AND seq > ?`,
    [entry.entity, entry.rowKey, entry.seq],
  );
  const moved = entity !== undefined && Number(later?.n ?? 0) > 0;
  const local = moved ? await readLocalRow(ctx, tx, entry.entity, entry.rowKey) : entry.op === 'delete' ? null : entry.data;
  const remoteData = remote.deleted ? null : remote.data;
  const result = mergeRow(policy, {
    base: entry.baseData,
    local,
    remote: remoteData,
    localAt: entry.createdAt,
    remoteAt: remote.updatedAt ?? null,
  });
  const record = {
    entity: entry.entity,
    rowKey: entry.rowKey,
    baseData: entry.baseData,
    localData: local,
    remoteData,
    fields: result.fields,
    baseVersion: entry.baseVersion,
    remoteVersion: remote.version,
    localAt: entry.createdAt,
    remoteAt: remote.updatedAt ?? null,
    strategy: describePolicy(policy),
  };
  if (result.outcome === 'manual' || !entity) {
    await ctx.outbox.hold(tx, entry.entity, entry.rowKey, entry.seq);
    await ctx.conflicts.record(tx, { ...record, mergedData: null, status: 'open', resolution: null });
    return 'held';
  }
  await applyResolution(ctx, tx, entity, entry.rowKey, result.row, remote, moved ? 'all' : entry.seq);
  const decided = Object.keys(result.decisions).length > 0;
  await ctx.conflicts.record(tx, {
    ...record,
    mergedData: result.row,
    status: 'resolved',
    resolution: decided ? JSON.stringify(result.decisions) : 'merged',
  });
  return 'merged';
}
