import type { Logger } from 'pino';
import type { AgentTables } from './agent-tables.js';
import { queueBaseline, queueBaselineInTransaction } from './baseline.js';
import { ensureCapture, inspectCapture, removeCapture } from './capture.js';
import type { EntityConfig } from './config.js';
import { describeError } from './errors.js';
import type { StateStore } from './state-store.js';
import type { DbAdapter } from './store/db-adapter.js';

/** A change of a table's shape the agent noticed and followed. */
export interface SchemaChange {
  readonly entity: string;
  readonly table: string;
  readonly added: readonly string[];
  readonly dropped: readonly string[];
  readonly at: string;
}

export interface SchemaFollowContext {
  readonly db: DbAdapter;
  readonly t: AgentTables;
  readonly state: StateStore;
  readonly logger: Logger;
  readonly entities: readonly EntityConfig[];
  /** Columns per entity as last seen: updated here. */
  readonly columns: Map<string, readonly string[]>;
  /** Entities stopped by a change the agent cannot follow: updated here. */
  readonly stopped: Map<string, string>;
  /** Entities compared with their shape kept in `meta` by this process already: updated here. */
  readonly compared: Set<string>;
  readonly lockWaitSeconds?: number;
}

export interface SchemaFollowResult {
  readonly changes: readonly SchemaChange[];
  /** Entities stopped by this check. */
  readonly stopped: readonly string[];
  /** Entities whose key columns are back: capture reinstalled, rows queued again. */
  readonly resumed: readonly string[];
}

const KEEP_CHANGES = 20;
const CHANGES = 'schema_changes';
/** The `meta` row that keeps an entity's table shape as last seen. */
export const knownName = (entity: string) => `columns:${entity}`;

/**
 * Compares each entity's table with its shape as last seen (kept in `meta`, so a change made while
 * the agent was stopped is noticed at start) and follows it: new columns are pushed (the rows are
 * read at push time, so they carry them; every row of a pushed table is queued again so the hub
 * gets the new columns' values), dropped ones stop being sent, a rename is a drop and an add. A
 * key column gone (dropped or renamed) cannot be followed: the entity stops, its capture is
 * removed so no trigger of ours can fail the POS's writes, and it resumes by itself when the key
 * columns are back. Cheap: one column listing per table.
 */
export async function followSchema(ctx: SchemaFollowContext): Promise<SchemaFollowResult> {
  const changes: SchemaChange[] = [];
  const stopped: string[] = [];
  const resumed: string[] = [];
  for (const entity of ctx.entities) {
    const now = await ctx.db.columns(entity.table);
    const missing = now.length === 0 ? null : entity.key.filter((k) => !now.includes(k));
    if (missing === null || missing.length > 0) {
      if (!ctx.stopped.has(entity.name)) {
        const reason = stopReason(entity, missing);
        ctx.stopped.set(entity.name, reason);
        stopped.push(entity.name);
        ctx.logger.error({ entity: entity.name, table: entity.table }, reason);
        if (entity.direction !== 'pull' && now.length > 0) await removeCaptureSafely(ctx, entity);
      }
      continue;
    }
    // The first check of a process compares with the shape kept in `meta` (a change made while
    // the agent was stopped); later ones with the shape it saw last.
    const before = ctx.compared.has(entity.name) ? (ctx.columns.get(entity.name) ?? null) : await known(ctx, entity);
    ctx.compared.add(entity.name);
    if (ctx.stopped.delete(entity.name)) {
      resumed.push(entity.name);
      ctx.logger.warn({ entity: entity.name, table: entity.table }, 'key columns are back: capture reinstalled, every row queued again');
      if (entity.direction !== 'pull') await recapture(ctx, entity);
    }
    ctx.columns.set(entity.name, now);
    if (!before) {
      await ctx.state.setMeta(knownName(entity.name), JSON.stringify(now));
      continue;
    }
    const added = now.filter((c) => !before.includes(c));
    const dropped = before.filter((c) => !now.includes(c));
    if (added.length === 0 && dropped.length === 0) continue;
    const change: SchemaChange = { entity: entity.name, table: entity.table, added, dropped, at: new Date().toISOString() };
    changes.push(change);
    ctx.logger.warn({ ...change }, describeSchemaChange(change));
    await ctx.state.setMeta(knownName(entity.name), JSON.stringify(now));
    await recordChange(ctx, change);
    if (added.length > 0 && entity.direction !== 'pull' && !resumed.includes(entity.name)) {
      const queued = await queueBaseline(ctx.db, ctx.t, ctx.state, entity);
      ctx.logger.info({ entity: entity.name, rows: queued }, 'rows queued again to send the new columns');
    }
  }
  return { changes, stopped, resumed };
}

/** `table items: column category added; legacy_code dropped`. */
export function describeSchemaChange(change: Pick<SchemaChange, 'table' | 'added' | 'dropped'>): string {
  const parts = [
    ...(change.added.length > 0 ? [`${plural(change.added.length, 'column')} ${change.added.join(', ')} added`] : []),
    ...(change.dropped.length > 0 ? [`${plural(change.dropped.length, 'column')} ${change.dropped.join(', ')} dropped`] : []),
  ];
  return `table ${change.table}: ${parts.join('; ')} (followed: rows are sent with the columns the table has now)`;
}

/** Schema changes noticed so far, newest last. */
export async function schemaChanges(state: StateStore): Promise<SchemaChange[]> {
  const text = await state.getMeta(CHANGES);
  if (!text) return [];
  try {
    const value = JSON.parse(text) as unknown;
    return Array.isArray(value) ? (value as SchemaChange[]) : [];
  } catch {
    return [];
  }
}

function stopReason(entity: EntityConfig, missing: readonly string[] | null): string {
  const what =
    missing === null
      ? `table "${entity.table}" no longer exists`
      : `key ${plural(missing.length, 'column')} ${missing.map((k) => `"${k}"`).join(', ')} no longer in table "${entity.table}" (dropped or renamed)`;
  return (
    `entity "${entity.name}" stopped: ${what}. Its changes wait in the outbox and its capture was removed, so the shop's ` +
    `own writes keep working; put the key back or change "key" in the config and restart the agent`
  );
}

const plural = (n: number, word: string) => (n === 1 ? word : `${word}s`);

async function known(ctx: SchemaFollowContext, entity: EntityConfig): Promise<readonly string[] | null> {
  const text = await ctx.state.getMeta(knownName(entity.name));
  if (!text) return null;
  try {
    const value = JSON.parse(text) as unknown;
    return Array.isArray(value) ? value.map(String) : null;
  } catch {
    return null;
  }
}

async function recordChange(ctx: SchemaFollowContext, change: SchemaChange): Promise<void> {
  const all = [...(await schemaChanges(ctx.state)), change].slice(-KEEP_CHANGES);
  await ctx.state.setMeta(CHANGES, JSON.stringify(all));
}

async function removeCaptureSafely(ctx: SchemaFollowContext, entity: EntityConfig): Promise<void> {
  try {
    if (await removeCapture(ctx.db, ctx.t, entity, { lockWaitSeconds: ctx.lockWaitSeconds })) {
      ctx.logger.warn({ entity: entity.name, table: entity.table }, 'capture triggers removed: they named a key column the table no longer has');
    }
  } catch (error) {
    ctx.logger.error({ entity: entity.name, error: describeError(error) }, 'capture triggers could not be removed');
  }
}

/**
 * Installs capture on a table that had none and queues every row it holds: on SQLite in one
 * transaction (no write falls between), on MySQL/MariaDB triggers first, then the rows.
 */
export async function captureWithBaseline(ctx: Omit<SchemaFollowContext, 'columns' | 'stopped' | 'entities' | 'compared'>, entity: EntityConfig): Promise<number> {
  let queued = 0;
  await ensureCapture(ctx.db, ctx.t, entity, {
    lockWaitSeconds: ctx.lockWaitSeconds,
    inTransaction: async (tx) => {
      queued = await queueBaselineInTransaction(tx, ctx.db, ctx.t, entity);
    },
  });
  if (ctx.db.dialect.name === 'mysql') queued = await queueBaseline(ctx.db, ctx.t, ctx.state, entity);
  return queued;
}

async function recapture(ctx: SchemaFollowContext, entity: EntityConfig): Promise<void> {
  if ((await inspectCapture(ctx.db, ctx.t, entity)).state === 'ok') {
    await queueBaseline(ctx.db, ctx.t, ctx.state, entity);
    return;
  }
  const queued = await captureWithBaseline(ctx, entity);
  ctx.logger.info({ entity: entity.name, rows: queued }, 'capture reinstalled');
}
