import { keyMismatch, type PulledChange, type RowData } from '../protocol/index.js';
import type { AgentTables } from './agent-tables.js';
import type { EntityConfig } from './config.js';
import type { OutboxStore } from './outbox-store.js';
import { keyValues, toMysqlDateTime, toSqlValue } from './row-codec.js';
import type { StateStore } from './state-store.js';
import type { DbAdapter, DbExecutor, SqlValue } from './store/db-adapter.js';
import { recordSynced, type SyncedRow } from './synced-rows.js';
import { silenceCapture } from './schema.js';
import { failpoint } from './failpoints.js';

export interface ApplyContext {
  readonly db: DbAdapter;
  readonly t: AgentTables;
  readonly outbox: OutboxStore;
  readonly state: StateStore;
  readonly entity: EntityConfig;
  /** Columns of the local table: remote data can never name another. */
  readonly columns: readonly string[];
  /** Columns that need the engine's own date format (MySQL DATETIME and kin). */
  readonly dateColumns?: ReadonlySet<string>;
  /** `node:<name>` of this agent: its own changes coming back are not re-applied. */
  readonly selfOrigin: string;
  /** A full resync rewrites even rows this agent wrote itself (they may have been lost locally). */
  readonly full?: boolean;
  /** The entity's first load or a full resync: history, not today's arrivals (see `fillColumns`). */
  readonly initial?: boolean;
  readonly now?: () => Date;
}

export interface ApplyResult {
  readonly upserted: number;
  readonly deleted: number;
  /** Rows skipped because a local change is waiting to be pushed (the push settles them). */
  readonly heldForPush: number;
  readonly ownEchoes: number;
  /** Column values assigned locally (e.g. daily_number) and queued back to the hub. */
  readonly filled: number;
  /** Remote columns that do not exist locally and were dropped. */
  readonly unknownColumns: readonly string[];
  /**
   * Upserts not applied because their data names another row than their key (the key decides):
   * nothing written, not recorded as synced, kept in the refusal record; the cursor moves past them.
   */
  readonly refused: readonly { readonly key: string; readonly column: string | null; readonly reason: string }[];
}

const MAX_VARIABLES = 30_000;

/**
 * Applies one pulled page and advances the entity's cursor in ONE transaction: either the whole
 * page and its cursor are stored, or neither. Capture triggers are silenced for these writes.
 */
export async function applyPage(ctx: ApplyContext, changes: readonly PulledChange[], cursor: number): Promise<ApplyResult> {
  const { db, t, entity } = ctx;
  const now = (ctx.now ?? (() => new Date()))();
  const at = now.toISOString();
  const local = new Set(ctx.columns);
  const unknown = new Set<string>();

  return db.transaction(async (tx) => {
    await silenceCapture(tx, db, t, true);
    const held = changes.length > 0 ? await ctx.outbox.pendingKeys(tx, entity.name) : new Set<string>();
    // The merge base is only needed where the shop writes too.
    const keepSnapshot = entity.direction !== 'pull' || Object.keys(entity.fill).length > 0;
    const known = ctx.full ? new Map<string, number>() : await knownVersions(tx, ctx, changes.filter((c) => c.origin === ctx.selfOrigin));
    // The latest change per row wins within a page (the hub sends each row once, but be strict).
    const latest = new Map<string, PulledChange>();
    for (const change of changes) latest.set(change.key, change);

    const upserts: { key: string; data: RowData; version: number }[] = [];
    const deletes: { key: string; version: number }[] = [];
    const versions: SyncedRow[] = [];
    const refused: { key: string; column: string | null; reason: string }[] = [];
    let heldForPush = 0;
    let ownEchoes = 0;
    for (const change of latest.values()) {
      // Writing it would change whichever row its data names, not the row the hub changed.
      const mismatch = change.op === 'upsert' ? keyMismatch(change.key, entity.key, change.data) : null;
      if (mismatch) {
        refused.push({ key: change.key, column: mismatch.column, reason: mismatch.message });
        continue;
      }
      if (held.has(change.key)) {
        heldForPush++;
        continue;
      }
      versions.push({ key: change.key, version: change.version, data: keepSnapshot && change.op !== 'delete' ? change.data : null });
      // Our own push coming back: the local row already holds it when we recorded that version.
      if (change.origin === ctx.selfOrigin && (known.get(change.key) ?? 0) >= change.version) {
        ownEchoes++;
      } else if (change.op === 'delete' || change.data === null) {
        deletes.push({ key: change.key, version: change.version });
      } else {
        upserts.push({ key: change.key, data: change.data, version: change.version });
      }
    }

    const filled = await fillColumns(ctx, tx, upserts, now);
    await upsertRows(tx, ctx, upserts, local, unknown);
    await deleteRows(tx, ctx, deletes);
    await recordSynced(tx, ctx, entity.name, versions, at);
    for (const f of filled) await ctx.outbox.enqueue(tx, entity.name, f.key, 'upsert', f.data);
    await ctx.state.recordRefused(tx, refused.map((r) => ({ entity: entity.name, key: r.key, reason: r.reason, at })));
    failpoint('apply:before-cursor'); // rows written, cursor not yet: inside the transaction, before COMMIT
    await ctx.state.advance(tx, entity.name, cursor, at);
    await silenceCapture(tx, db, t, false);
    return {
      upserted: upserts.length,
      deleted: deletes.length,
      heldForPush,
      ownEchoes,
      filled: filled.length,
      unknownColumns: [...unknown],
      refused,
    };
  });
}

/**
 * Writes one row locally outside a page (a settled conflict), in the caller's transaction, with
 * capture silenced: null deletes it.
 */
export async function writeLocalRow(
  tx: DbExecutor,
  ctx: Pick<ApplyContext, 'db' | 't' | 'entity' | 'columns' | 'dateColumns'>,
  key: string,
  data: RowData | null,
): Promise<void> {
  await silenceCapture(tx, ctx.db, ctx.t, true);
  if (data === null) await deleteRows(tx, ctx, [{ key }]);
  else await upsertRows(tx, ctx, [{ key, data }], new Set(ctx.columns), new Set());
  await silenceCapture(tx, ctx.db, ctx.t, false);
}

async function knownVersions(tx: DbExecutor, ctx: ApplyContext, changes: readonly PulledChange[]): Promise<Map<string, number>> {
  const known = new Map<string, number>();
  for (let i = 0; i < changes.length; i += 500) {
    const keys = changes.slice(i, i + 500).map((c) => c.key);
    const rows = await tx.all<{ row_key: string; version: number }>(
      `SELECT row_key, version FROM ${ctx.t.rows} WHERE entity = ? AND row_key IN (${keys.map(() => '?').join(', ')})`,
      [ctx.entity.name, ...keys],
    );
    for (const r of rows) known.set(r.row_key, Number(r.version));
  }
  return known;
}

async function upsertRows(
  tx: DbExecutor,
  ctx: Pick<ApplyContext, 'db' | 'entity' | 'dateColumns'>,
  rows: readonly { key: string; data: RowData }[],
  local: ReadonlySet<string>,
  unknown: Set<string>,
): Promise<void> {
  const { entity } = ctx;
  // Rows are grouped by column set, each group one multi-row statement shape; consecutive rows
  // with the same field names (the usual case) reuse the previous row's group without lookups.
  const groups = new Map<string, { columns: string[]; params: SqlValue[] }>();
  const dates = ctx.dateColumns && ctx.dateColumns.size > 0 ? ctx.dateColumns : null;
  let lastNames: string[] | null = null;
  let group: { columns: string[]; params: SqlValue[] } | null = null;
  for (const row of rows) {
    const data = row.data;
    const names = Object.keys(data);
    if (!group || !lastNames || !sameNames(names, lastNames)) {
      const columns = names.filter((name) => {
        if (local.has(name)) return true;
        unknown.add(name);
        return false;
      });
      for (const extra of [...entity.key, ...(entity.softDelete && local.has(entity.softDelete) ? [entity.softDelete] : [])]) {
        if (!columns.includes(extra)) columns.push(extra);
      }
      const signature = columns.join('\u0000');
      group = groups.get(signature) ?? null;
      if (!group) groups.set(signature, (group = { columns, params: [] }));
      lastNames = names;
    }
    let keys: SqlValue[] | null = null;
    for (const column of group.columns) {
      const value = dates?.has(column) ? toMysqlDateTime(data[column]) : data[column];
      if (value !== undefined && value !== null) {
        group.params.push(toSqlValue(value));
      } else if (entity.key.includes(column)) {
        keys ??= keyValues(row.key, entity.key);
        group.params.push(keys[entity.key.indexOf(column)] ?? null);
      } else {
        group.params.push(column === entity.softDelete && value === undefined ? 0 : null);
      }
    }
  }
  for (const { columns, params } of groups.values()) {
    const width = columns.length;
    const total = params.length / width;
    const chunk = Math.max(1, Math.min(500, Math.floor(MAX_VARIABLES / width)));
    for (let i = 0; i < total; i += chunk) {
      const count = Math.min(chunk, total - i);
      await tx.run(ctx.db.dialect.upsert(entity.table, columns, entity.key, count), params.slice(i * width, (i + count) * width));
    }
  }
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

async function deleteRows(tx: DbExecutor, ctx: Pick<ApplyContext, 'db' | 'entity'>, rows: readonly { key: string }[]): Promise<void> {
  const { entity } = ctx;
  const q = ctx.db.dialect.quote;
  const where = entity.key.map((k) => `${q(k)} = ?`).join(' AND ');
  const sql = entity.softDelete
    ? `UPDATE ${q(entity.table)} SET ${q(entity.softDelete)} = 1 WHERE ${where}`
    : `DELETE FROM ${q(entity.table)} WHERE ${where}`;
  for (const row of rows) await tx.run(sql, keyValues(row.key, entity.key));
}

/**
 * Assigns configured column fills (e.g. `daily_number` from a per-day sequence) to rows new to this
 * shop, mutating their data; returns the rows to queue back to the hub as local updates. Only
 * rows of the day being numbered get a number: by the row's own `dateColumn` when the fill names
 * one; without it, every new row of an ordinary pull, and none of the entity's first load or a
 * full resync (a history of last month's orders is not today's #1…#20,000).
 */
async function fillColumns(
  ctx: ApplyContext,
  tx: DbExecutor,
  upserts: { key: string; data: RowData; version: number }[],
  now: Date,
): Promise<{ key: string; data: RowData }[]> {
  const fills = Object.entries(ctx.entity.fill);
  if (fills.length === 0 || upserts.length === 0) return [];
  const { entity } = ctx;
  const q = ctx.db.dialect.quote;
  const existing = new Set<string>();
  const where = entity.key.map((k) => `${q(k)} = ?`).join(' AND ');
  for (const row of upserts) {
    const found = await tx.all(`SELECT 1 AS present FROM ${q(entity.table)} WHERE ${where}`, keyValues(row.key, entity.key));
    if (found.length > 0) existing.add(row.key);
  }
  const out: { key: string; data: RowData }[] = [];
  const day = localDay(now);
  for (const row of upserts) {
    if (existing.has(row.key)) continue;
    let changed = false;
    for (const [column, rule] of fills) {
      if (row.data[column] !== undefined && row.data[column] !== null) continue;
      if (rule.dateColumn ? dayOf(row.data[rule.dateColumn]) !== day : ctx.initial) continue;
      row.data = { ...row.data, [column]: await nextInSequence(tx, ctx, `${entity.name}.${column}`, day) };
      changed = true;
    }
    if (changed) out.push({ key: row.key, data: row.data });
  }
  return out;
}

async function nextInSequence(tx: DbExecutor, ctx: ApplyContext, name: string, day: string): Promise<number> {
  await tx.run(ctx.db.dialect.increment(ctx.t.sequences, ['name', 'day'], 'value'), [name, day]);
  const [row] = await tx.all<{ value: number }>(`SELECT value FROM ${ctx.t.sequences} WHERE name = ? AND day = ?`, [name, day]);
  return Number(row!.value);
}

/** The local calendar day of a date or timestamp value (ISO, `YYYY-MM-DD hh:mm:ss`, epoch ms), or null. */
function dayOf(value: unknown): string | null {
  if (typeof value !== 'string' && typeof value !== 'number') return null;
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : localDay(date);
}

/** The shop's calendar day (local time): daily numbers restart each morning. */
function localDay(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}
