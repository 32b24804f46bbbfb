import type { RowData } from '../protocol/index.js';
import type { ConflictRecord } from './conflict-store.js';
import type { EngineContext } from './engine-context.js';
import { SyncError } from './errors.js';
import { diffFields, type FieldDiff } from './merge.js';
import { applyResolution, readLocalRow } from './settle-conflict.js';

/** A person's choice for one field: a side, or a value typed in. */
export type FieldChoice = 'local' | 'remote' | { readonly value: unknown };

/** keep a side for every conflicting field, and/or choose field by field (fields win over keep). */
export interface Resolution {
  readonly keep?: 'local' | 'remote';
  readonly fields?: Readonly<Record<string, FieldChoice>>;
}

export interface ConflictView {
  readonly conflict: ConflictRecord;
  /** The shop's row as it is now (it may have changed since the conflict was found); null = deleted. */
  readonly local: RowData | null;
  /** base / local / remote per field, with the conflicting ones flagged. */
  readonly fields: readonly FieldDiff[];
}

export type ResolveOutcome =
  | { readonly status: 'resolved'; readonly row: RowData | null; readonly queued: boolean }
  | { readonly status: 'already-resolved'; readonly resolution: string | null };

/** A conflict with its field-by-field comparison against the shop's current row. */
export async function viewConflict(ctx: EngineContext, id: number): Promise<ConflictView | null> {
  const conflict = await ctx.conflicts.get(id);
  if (!conflict) return null;
  const local = conflict.status === 'open' ? await readLocalRow(ctx, ctx.db, conflict.entity, conflict.rowKey) : conflict.localData;
  const fields =
    local && conflict.remoteData ? diffFields(conflict.baseData, local, conflict.remoteData) : conflict.fields;
  return { conflict, local, fields };
}

/**
 * Resolves an open conflict: the chosen row is written locally and queued for the hub on top of
 * the hub version the conflict saw. If the hub has moved on since, that push meets a new conflict
 * (never an overwrite). Resolving an already resolved conflict changes nothing.
 */
export async function resolveConflict(ctx: EngineContext, id: number, resolution: Resolution): Promise<ResolveOutcome> {
  return ctx.db.transaction(async (tx) => {
    const conflict = await ctx.conflicts.get(id, tx);
    if (!conflict) throw new SyncError('config', `no conflict #${id}`);
    if (conflict.status === 'resolved') return { status: 'already-resolved', resolution: conflict.resolution };
    const entity = ctx.entities.get(conflict.entity);
    if (!entity) throw new SyncError('config', `conflict on entity "${conflict.entity}", which is no longer configured`);
    const local = await readLocalRow(ctx, tx, conflict.entity, conflict.rowKey);
    const remote = conflict.remoteData;
    const row = chooseRow(conflict, local, remote, resolution);
    const queued = await applyResolution(
      ctx,
      tx,
      entity,
      conflict.rowKey,
      row,
      { data: remote, version: conflict.remoteVersion ?? 0, deleted: remote === null },
      'all',
    );
    await ctx.conflicts.markResolved(tx, id, JSON.stringify(resolution), row);
    return { status: 'resolved', row, queued };
  });
}

function chooseRow(conflict: ConflictRecord, local: RowData | null, remote: RowData | null, resolution: Resolution): RowData | null {
  const fieldChoices = resolution.fields ?? {};
  if (local === null || remote === null) {
    // A delete against an edit is decided for the whole row.
    const side = resolution.keep;
    if (!side) throw new SyncError('config', `conflict #${conflict.id} is a delete against an edit: choose --keep local or --keep remote`);
    return side === 'local' ? local : remote;
  }
  const fields = diffFields(conflict.baseData, local, remote);
  const known = new Set(fields.map((f) => f.field));
  const unknown = Object.keys(fieldChoices).filter((f) => !known.has(f));
  if (unknown.length > 0) throw new SyncError('config', `conflict #${conflict.id} has no field ${unknown.join(', ')}`);
  const row: Record<string, unknown> = { ...remote };
  const undecided: string[] = [];
  for (const f of fields) {
    const choice = fieldChoices[f.field] ?? (f.conflicting ? resolution.keep : undefined);
    if (choice === undefined) {
      if (f.conflicting) undecided.push(f.field);
      else row[f.field] = f.localChanged && !f.remoteChanged ? local[f.field] : f.remoteChanged ? remote[f.field] : local[f.field];
      continue;
    }
    row[f.field] = choice === 'local' ? local[f.field] : choice === 'remote' ? remote[f.field] : choice.value;
  }
  if (undecided.length > 0) {
    throw new SyncError('config', `conflict #${conflict.id}: choose a side for ${undecided.join(', ')} (or --keep local|remote)`);
  }
  return row;
}

/** Resolves every open conflict of an entity the same way; returns how many were resolved. */
export async function resolveAll(ctx: EngineContext, entity: string, keep: 'local' | 'remote'): Promise<number> {
  let resolved = 0;
  for (const conflict of await ctx.conflicts.list({ status: 'open', entity, limit: 100_000 })) {
    const outcome = await resolveConflict(ctx, conflict.id, { keep });
    if (outcome.status === 'resolved') resolved++;
  }
  return resolved;
}
