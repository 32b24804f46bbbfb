import { rowTooLarge, type PullResponse } from '../protocol/index.js';
import { applyPage, type ApplyResult } from './apply-page.js';
import type { EntityConfig } from './config.js';
import type { EngineContext, ModuleReporter } from './engine-context.js';
import { SyncError } from './errors.js';

export interface PullOutcome {
  readonly applied: number;
  readonly heldForPush: number;
  readonly filled: number;
  /** Changes not applied because their data names another row than their key. */
  readonly refused: number;
  readonly cursor: number;
}

/**
 * Pulls an entity's changes after its cursor, page by page. The next page is fetched while the
 * current one is applied; each page and its cursor commit together, so a crash loses nothing
 * and repeats nothing beyond the page in flight.
 */
export async function pullEntity(
  ctx: EngineContext,
  entity: EntityConfig,
  selfOrigin: string,
  reporter: ModuleReporter,
  opts: { full?: boolean } = {},
): Promise<PullOutcome> {
  let cursor = await ctx.state.cursor(entity.name);
  const columns = ctx.columns.get(entity.name) ?? [];
  // The first complete pull of an entity (or a full resync) loads history: rows that are not
  // today's work, which column fills without a date column must leave alone.
  // Only fills without a date column need to know it, so only they pay for the bookkeeping.
  const loadMark = `initial_load:${entity.name}`;
  const tracked = Object.values(entity.fill).some((rule) => !rule.dateColumn);
  if (tracked && cursor === 0) await ctx.state.setMeta(loadMark, 'pending');
  const initial = opts.full === true || cursor === 0 || (tracked && (await ctx.state.getMeta(loadMark)) === 'pending');
  let applied = 0;
  let heldForPush = 0;
  let filled = 0;
  let refused = 0;
  const warned = new Set<string>();
  const fetch = (since: number) => {
    const page = ctx.client.pull(entity.name, since, ctx.pullPageSize, reporter.signal);
    page.catch(() => undefined);
    return page;
  };
  let next: Promise<PullResponse> | null = fetch(cursor);
  while (next) {
    const page: PullResponse = await next;
    if (page.changes.length > 0 && page.cursor <= cursor) {
      throw new SyncError('bad_response', `hub moved ${entity.name} cursor backwards (${cursor} → ${page.cursor})`);
    }
    // Each change's own cursor must rise strictly within (cursor, page.cursor]: a page that
    // repeats or reorders changes is not the hub's change log, so none of it is applied.
    let last = cursor;
    for (const change of page.changes) {
      if (change.cursor <= last || change.cursor > page.cursor) {
        throw new SyncError('bad_response', `hub sent ${entity.name} changes out of order (cursor ${change.cursor} after ${last}, page cursor ${page.cursor})`);
      }
      last = change.cursor;
      // Current hubs refuse such rows on every write: the page is not the hub's to apply.
      const tooLarge = change.op === 'upsert' ? rowTooLarge(change.data) : null;
      if (tooLarge) {
        throw new SyncError('bad_response', `hub sent ${entity.name} row ${JSON.stringify(change.key)}: ${tooLarge}; page not applied`);
      }
    }
    next = page.hasMore && page.changes.length > 0 ? fetch(page.cursor) : null;
    // Let the next request leave before the synchronous apply takes the thread.
    if (next) await new Promise((resolve) => setImmediate(resolve));
    if (reporter.signal.aborted) throw new SyncError('canceled', 'run canceled');
    if (page.changes.length === 0) break;
    const result = await applyPage(
      { db: ctx.db, t: ctx.t, outbox: ctx.outbox, state: ctx.state, entity, columns, dateColumns: ctx.dateColumns.get(entity.name), selfOrigin, full: opts.full, initial },
      page.changes,
      page.cursor,
    );
    const fresh = result.unknownColumns.filter((c) => !warned.has(c));
    if (fresh.length > 0) {
      fresh.forEach((c) => warned.add(c));
      ctx.logger.warn(
        { entity: entity.name, table: entity.table, columns: fresh },
        `hub sent columns that ${entity.table} does not have; they were not written`,
      );
    }
    if (result.refused.length > 0) await reportRefused(ctx, entity, reporter, result.refused);
    cursor = page.cursor;
    refused += result.refused.length;
    applied += result.upserted + result.deleted;
    heldForPush += result.heldForPush;
    filled += result.filled;
    reporter.progress(applied);
  }
  if (tracked && initial) await ctx.state.setMeta(loadMark, 'done');
  return { applied, heldForPush, filled, refused, cursor };
}

/** Refusals told one by one per page; the rest of a page is told as a count. */
const REFUSALS_TOLD = 20;

/** Tells about changes a page refused: warn lines in the log and in the run's log. */
async function reportRefused(ctx: EngineContext, entity: EntityConfig, reporter: ModuleReporter, refused: ApplyResult['refused']): Promise<void> {
  for (const r of refused.slice(0, REFUSALS_TOLD)) {
    const message = `refused ${entity.name} row ${JSON.stringify(r.key)}: ${r.reason}; not applied`;
    ctx.logger.warn({ entity: entity.name, key: r.key, column: r.column }, message);
    await reporter.log('warn', message, { entity: entity.name, key: r.key, column: r.column });
  }
  const more = refused.length - REFUSALS_TOLD;
  if (more > 0) {
    const message = `refused ${more} more ${entity.name} rows of this page (\`dovetail status\` shows the latest)`;
    ctx.logger.warn({ entity: entity.name, refused: more }, message);
    await reporter.log('warn', message);
  }
}
