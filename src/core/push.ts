import { randomBytes } from 'node:crypto';
import { MAX_ROW_BYTES, rowBytes, rowTooLarge, type PushChange, type PushResult } from '../protocol/index.js';
import { backoffMs } from './backoff.js';
import { withCurrentRows } from './current-rows.js';
import { failpoint } from './failpoints.js';
import type { EngineContext, ModuleReporter } from './engine-context.js';
import { SyncError, describeError } from './errors.js';
import type { OutboxEntry } from './outbox-store.js';
import { settleConflict } from './settle-conflict.js';
import { recordSynced, type SyncedRow } from './synced-rows.js';

export interface PushOutcome {
  readonly pushed: number;
  readonly conflicts: number;
  readonly failed: number;
}

/**
 * Drains the outbox in batches. Transient failures postpone the batch with capped back-off and
 * end the drain with the error; a change the hub rejects is parked as `failed` and never blocks
 * the rest. `force` sends entries whose back-off has not expired (a person pressed Sync now).
 */
export async function pushOutbox(ctx: EngineContext, reporter: ModuleReporter, opts: { force: boolean }): Promise<PushOutcome> {
  const counts = { pushed: 0, conflicts: 0, failed: 0 };
  // Rows of the batch still in flight are left out: their base changes when it settles. An entry
  // postponed beyond the longest postponement goes too (the clock went back since).
  // The outbox names the rows; their data is read from their tables as they are now.
  const next = async (inFlight: ReadonlySet<string>) =>
    withCurrentRows(
      ctx,
      await ctx.outbox.due(ctx.pushBatchSize, new Date(), {
        force: opts.force,
        exclude: inFlight,
        maxPostponeMs: longestPostponementMs(ctx),
        skipEntities: [...ctx.stopped.keys()],
      }),
    );
  let batch = await next(new Set());
  let sending = batch.length > 0 ? sendOrPostpone(ctx, batch) : null;
  let extraPasses = 0;
  // Each round settles every entry it sent; the bound only guards against a hub that never settles.
  for (let round = 0; sending && round < 100_000; round++) {
    // While the hub works on this batch, pick the next one (rows in flight excluded) ...
    const following = await next(new Set(batch.map(rowId)));
    const results = await sending;
    failpoint('push:after-send'); // the hub has answered; nothing is settled locally yet
    if (reporter.signal.aborted) throw new SyncError('canceled', 'run canceled');
    // ... and send it before settling this one, so hub and agent work at the same time.
    let followingSend = following.length > 0 ? sendOrPostpone(ctx, following) : null;
    followingSend?.catch(() => undefined);
    await settle(ctx, batch, results, counts);
    reporter.progress(counts.pushed + counts.conflicts + counts.failed);
    batch = following;
    // Settling may queue more (a merged conflict, a change to send under a new source id): a few
    // extra passes deliver those in this run instead of at the next trigger.
    if (!followingSend && extraPasses < 3) {
      extraPasses++;
      batch = await next(new Set());
      followingSend = batch.length > 0 ? sendOrPostpone(ctx, batch) : null;
    }
    sending = followingSend;
  }
  return counts;
}

/** The longest a hub's Retry-After may postpone the outbox (the back-off cap when that is longer). */
const RETRY_AFTER_CAP_MS = 3_600_000;

/** The longest any postponement may be: the Retry-After cap or the back-off cap, whichever is longer. */
const longestPostponementMs = (ctx: EngineContext) => Math.max(ctx.maxBackoffMs, RETRY_AFTER_CAP_MS);

const rowId = (e: OutboxEntry) => `${e.entity}\u0000${e.rowKey}`;

/** Sends a batch; on a transient failure its entries are postponed with capped back-off. */
async function sendOrPostpone(ctx: EngineContext, batch: readonly OutboxEntry[]): Promise<Map<number, PushResult>> {
  let results: PushResult[];
  try {
    results = await send(ctx, batch);
  } catch (error) {
    const syncError = error instanceof SyncError ? error : new SyncError('network', describeError(error), { cause: error });
    if (syncError.transient) {
      await ctx.outbox.postpone(
        batch.map((e) => e.seq),
        (attempts) =>
          // A hub's Retry-After is honoured up to an hour (a maintenance window), never more: a
          // huge one must not park the outbox for years.
          new Date(
            Date.now() +
              Math.min(
                longestPostponementMs(ctx),
                Math.max(syncError.extra.retryAfterMs ?? 0, backoffMs(attempts, { baseMs: 1000, maxMs: ctx.maxBackoffMs })),
              ),
          ),
        describeError(syncError),
      );
    }
    throw syncError;
  }
  const bySeq = new Map(results.map((r) => [r.seq, r]));
  const missing = batch.filter((e) => !bySeq.has(e.seq));
  if (missing.length > 0) throw new SyncError('bad_response', `hub did not answer for ${missing.length} of ${batch.length} changes`);
  return bySeq;
}

/** Records the hub's answers for a batch in one transaction. */
async function settle(
  ctx: EngineContext,
  batch: readonly OutboxEntry[],
  bySeq: ReadonlyMap<number, PushResult>,
  counts: { pushed: number; conflicts: number; failed: number },
): Promise<void> {
  let reused = false;
  await ctx.db.transaction(async (tx) => {
    const synced = new Map<string, SyncedRow[]>();
    const applied: OutboxEntry[] = [];
    for (const entry of batch) {
      const result = bySeq.get(entry.seq)!;
      if (result.status === 'applied') {
        applied.push(entry);
        // The hub merges a push onto its row, so the new base is the old one with our fields on top.
        const data = entry.op === 'delete' ? null : { ...(entry.baseData ?? {}), ...(entry.data ?? {}) };
        const rows = synced.get(entry.entity) ?? [];
        rows.push({ key: entry.rowKey, version: result.version, data });
        synced.set(entry.entity, rows);
        counts.pushed++;
      } else if (result.status === 'conflict') {
        await settleConflict(ctx, tx, entry, result.remote);
        counts.conflicts++;
      } else if (result.error.code === 'seq_reused') {
        // This database was restored from a backup: its seqs were used before. The entry stays
        // pending and goes again under a new source id.
        reused = true;
      } else {
        await ctx.outbox.park(tx, entry.entity, entry.rowKey, entry.seq, `${result.error.code}: ${result.error.message}`);
        counts.failed++;
      }
    }
    // Each applied row's pending entries up to the one sent; a change captured meanwhile stays queued.
    await ctx.outbox.remove(tx, applied);
    const at = new Date().toISOString();
    for (const [entity, rows] of synced) await recordSynced(tx, ctx, entity, rows, at);
  });
  if (reused) {
    ctx.source.value = randomBytes(12).toString('base64url');
    await ctx.state.setMeta('outbox_source', ctx.source.value);
    ctx.logger.warn('the hub has seen this outbox\'s seqs before (database restored from a backup?): continuing under a new source id');
  }
}

/** One push request stays well under the hub's default body limit (16 MB). */
const PUSH_BODY_BUDGET = 8 * 1024 * 1024;

/**
 * Sends a batch in requests of at most PUSH_BODY_BUDGET bytes of row data. A row over the
 * per-row limit is not sent: it is answered here as rejected (the hub would refuse it), so it
 * waits among the failed changes, kept, instead of failing every request it travels in.
 */
async function send(ctx: EngineContext, batch: readonly OutboxEntry[]): Promise<PushResult[]> {
  const results: PushResult[] = [];
  let chunk: OutboxEntry[] = [];
  let bytes = 0;
  for (const entry of batch) {
    const size = rowBytes(entry.data);
    if (size > MAX_ROW_BYTES) {
      results.push({ seq: entry.seq, status: 'rejected', error: { code: 'too_large', message: `${rowTooLarge(entry.data)}: not sent to the hub` } });
      continue;
    }
    if (chunk.length > 0 && bytes + size > PUSH_BODY_BUDGET) {
      results.push(...(await sendRequest(ctx, chunk)));
      chunk = [];
      bytes = 0;
    }
    chunk.push(entry);
    bytes += size;
  }
  if (chunk.length > 0) results.push(...(await sendRequest(ctx, chunk)));
  return results;
}

/**
 * One push request. When the hub refuses it as a whole (400/413: one malformed change), the
 * changes are sent one by one so only the bad one is rejected.
 */
async function sendRequest(ctx: EngineContext, batch: readonly OutboxEntry[]): Promise<PushResult[]> {
  try {
    return (await ctx.client.push(ctx.source.value, batch.map(toChange))).results;
  } catch (error) {
    if (!(error instanceof SyncError) || error.code !== 'rejected') throw error;
    if (batch.length === 1) {
      return [{ seq: batch[0]!.seq, status: 'rejected', error: { code: 'rejected', message: error.message } }];
    }
    const results: PushResult[] = [];
    for (const entry of batch) for (const result of await sendRequest(ctx, [entry])) results.push(result);
    return results;
  }
}

function toChange(entry: OutboxEntry): PushChange {
  return { seq: entry.seq, entity: entry.entity, key: entry.rowKey, op: entry.op, data: entry.data, baseVersion: entry.baseVersion };
}
